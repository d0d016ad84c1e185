using System.Diagnostics;

namespace Offload.Controller.Switches;

/// <summary>What one switch agent has done, for /metrics and `offloadctl status`: counts only grow.</summary>
public sealed class AgentStats
{
    private long _pinned, _ended, _forgotten, _digestLists, _packetIns, _writeErrors;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly long[] _pinnedPerSecond = new long[8];
    private readonly long[] _secondOf = new long[8];

    public long ConnectionsPinned => Interlocked.Read(ref _pinned);
    public long ConnectionsForgotten => Interlocked.Read(ref _forgotten);

    /// <summary>Connections whose client sent FIN or RST (their timeout shortened).</summary>
    public long ConnectionsEnded => Interlocked.Read(ref _ended);
    public long DigestLists => Interlocked.Read(ref _digestLists);
    public long PacketIns => Interlocked.Read(ref _packetIns);
    public long WriteErrors => Interlocked.Read(ref _writeErrors);

    /// <summary>From queueing a connection write to its result.</summary>
    public LatencyHistogram WriteLatency { get; } = new();

    public void Pinned(int count)
    {
        Interlocked.Add(ref _pinned, count);
        var second = Second();
        var slot = second % _secondOf.Length;
        if (Interlocked.Exchange(ref _secondOf[slot], second) != second)
            Interlocked.Exchange(ref _pinnedPerSecond[slot], 0);
        Interlocked.Add(ref _pinnedPerSecond[slot], count);
    }

    /// <summary>New connections pinned per second, averaged over the last five whole seconds.</summary>
    public double PinnedPerSecond
    {
        get
        {
            var now = Second();
            var total = 0L;
            for (var s = now - 5; s < now; s++)
            {
                var slot = (s % _secondOf.Length + _secondOf.Length) % _secondOf.Length;
                if (s >= 0 && Interlocked.Read(ref _secondOf[slot]) == s)
                    total += Interlocked.Read(ref _pinnedPerSecond[slot]);
            }
            return total / 5.0;
        }
    }

    public void Forgotten(int count) => Interlocked.Add(ref _forgotten, count);
    public void Ended(int count) => Interlocked.Add(ref _ended, count);
    public void DigestList() => Interlocked.Increment(ref _digestLists);
    public void PacketIn() => Interlocked.Increment(ref _packetIns);
    public void WriteError() => Interlocked.Increment(ref _writeErrors);

    private long Second() => (long)Stopwatch.GetElapsedTime(_started).TotalSeconds;
}
