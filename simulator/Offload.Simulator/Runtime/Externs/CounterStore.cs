namespace Offload.Simulator.Runtime.Externs;

/// <summary>An indirect counter array: packets and bytes per index.</summary>
internal sealed class CounterStore(uint id, string name, long size)
{
    private readonly long[] _packets = new long[size];
    private readonly long[] _bytes = new long[size];

    public uint Id { get; } = id;
    public string Name { get; } = name;
    public long Size { get; } = size;
    public string ShortName => Name[(Name.LastIndexOf('.') + 1)..];

    /// <summary>Counts one packet; an index past the end is ignored, as BMv2 does after logging it.</summary>
    public void Count(long index, int bytes)
    {
        if ((ulong)index >= (ulong)Size)
            return;
        _packets[index]++;
        _bytes[index] += bytes;
    }

    public (long Packets, long Bytes) Read(long index) => (_packets[index], _bytes[index]);

    public void Write(long index, long packets, long bytes)
    {
        _packets[index] = packets;
        _bytes[index] = bytes;
    }
}
