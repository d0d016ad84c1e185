namespace Offload.Controller.Switches;

/// <summary>
/// A Prometheus-style histogram of durations in seconds (cumulative buckets, sum, count) and quantiles estimated
/// from it, as Prometheus' histogram_quantile does: linear within the bucket.
/// </summary>
public sealed class LatencyHistogram
{
    public static readonly double[] Bounds = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];

    private readonly long[] _counts = new long[Bounds.Length + 1];
    private long _sumMicroseconds;

    public void Observe(double seconds)
    {
        var bucket = Array.BinarySearch(Bounds, seconds);
        Interlocked.Increment(ref _counts[bucket >= 0 ? bucket : ~bucket]);
        Interlocked.Add(ref _sumMicroseconds, (long)(seconds * 1e6));
    }

    public long Count => _counts.Sum(c => Interlocked.Read(ref c));
    public double Sum => Interlocked.Read(ref _sumMicroseconds) / 1e6;

    /// <summary>(upper bound, cumulative count) per bucket, the last one +Inf.</summary>
    public IReadOnlyList<(double UpperBound, long Cumulative)> Buckets()
    {
        var result = new List<(double, long)>(_counts.Length);
        var total = 0L;
        for (var i = 0; i < _counts.Length; i++)
        {
            total += Interlocked.Read(ref _counts[i]);
            result.Add((i < Bounds.Length ? Bounds[i] : double.PositiveInfinity, total));
        }
        return result;
    }

    /// <summary>The estimated q-quantile (0..1) in seconds; null before any observation.</summary>
    public double? Quantile(double q)
    {
        var buckets = Buckets();
        var total = buckets[^1].Cumulative;
        if (total == 0)
            return null;
        var rank = q * total;
        var lower = 0.0;
        var below = 0L;
        foreach (var (upper, cumulative) in buckets)
        {
            if (cumulative >= rank)
            {
                if (double.IsPositiveInfinity(upper))
                    return lower;
                var inBucket = cumulative - below;
                return lower + (upper - lower) * (inBucket == 0 ? 1 : (rank - below) / inBucket);
            }
            lower = upper;
            below = cumulative;
        }
        return lower;
    }
}
