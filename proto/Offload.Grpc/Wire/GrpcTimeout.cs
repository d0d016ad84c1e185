using System.Globalization;

namespace Offload.Grpc.Wire;

/// <summary>Encodes and parses the grpc-timeout header: at most 8 digits and a unit (H M S m u n).</summary>
internal static class GrpcTimeout
{
    private const long MaxValue = 99_999_999;

    public static string Encode(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero)
            return "1n";
        var ticks = timeout.Ticks;
        // Pick the finest unit whose value fits in eight digits, rounding up so the server never sees a shorter deadline.
        long nanos = ticks > long.MaxValue / 100 ? long.MaxValue : ticks * 100;
        if (nanos <= MaxValue) return nanos.ToString(CultureInfo.InvariantCulture) + "n";
        long micros = CeilDiv(ticks, 10);
        if (micros <= MaxValue) return micros.ToString(CultureInfo.InvariantCulture) + "u";
        long millis = CeilDiv(ticks, TimeSpan.TicksPerMillisecond);
        if (millis <= MaxValue) return millis.ToString(CultureInfo.InvariantCulture) + "m";
        long seconds = CeilDiv(ticks, TimeSpan.TicksPerSecond);
        if (seconds <= MaxValue) return seconds.ToString(CultureInfo.InvariantCulture) + "S";
        long minutes = CeilDiv(ticks, TimeSpan.TicksPerMinute);
        if (minutes <= MaxValue) return minutes.ToString(CultureInfo.InvariantCulture) + "M";
        return Math.Min(CeilDiv(ticks, TimeSpan.TicksPerHour), MaxValue).ToString(CultureInfo.InvariantCulture) + "H";
    }

    public static bool TryParse(string? value, out TimeSpan timeout)
    {
        timeout = default;
        if (string.IsNullOrEmpty(value) || value.Length < 2 || value.Length > 9)
            return false;
        var digits = value.AsSpan(0, value.Length - 1);
        foreach (var c in digits)
            if (c is < '0' or > '9')
                return false;
        var amount = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        long ticks = value[^1] switch
        {
            'H' => amount * TimeSpan.TicksPerHour,
            'M' => amount * TimeSpan.TicksPerMinute,
            'S' => amount * TimeSpan.TicksPerSecond,
            'm' => amount * TimeSpan.TicksPerMillisecond,
            'u' => amount * 10,
            'n' => CeilDiv(amount, 100),
            _ => -1,
        };
        if (ticks < 0)
            return false;
        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    private static long CeilDiv(long a, long b) => (a + b - 1) / b;
}
