using System.Diagnostics;

namespace Offload.Controller.Switches;

/// <summary>What one switch agent has done, for /metrics: counts only grow.</summary>
public sealed class AgentStats
{
    private long _pinned, _forgotten, _digestLists, _packetIns, _writeErrors, _writes, _writeTicks;

    public long ConnectionsPinned => Interlocked.Read(ref _pinned);
    public long ConnectionsForgotten => Interlocked.Read(ref _forgotten);
    public long DigestLists => Interlocked.Read(ref _digestLists);
    public long PacketIns => Interlocked.Read(ref _packetIns);
    public long WriteErrors => Interlocked.Read(ref _writeErrors);
    public long Writes => Interlocked.Read(ref _writes);
    public double WriteSeconds => Interlocked.Read(ref _writeTicks) / (double)Stopwatch.Frequency;

    public void Pinned(int count) => Interlocked.Add(ref _pinned, count);
    public void Forgotten(int count) => Interlocked.Add(ref _forgotten, count);
    public void DigestList() => Interlocked.Increment(ref _digestLists);
    public void PacketIn() => Interlocked.Increment(ref _packetIns);
    public void WriteError() => Interlocked.Increment(ref _writeErrors);

    /// <summary>Times one write to the switch.</summary>
    public async Task<T> TimeAsync<T>(Func<Task<T>> write)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await write();
        }
        finally
        {
            Interlocked.Add(ref _writeTicks, Stopwatch.GetTimestamp() - start);
            Interlocked.Increment(ref _writes);
        }
    }
}
