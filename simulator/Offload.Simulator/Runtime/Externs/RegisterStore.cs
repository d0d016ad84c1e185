namespace Offload.Simulator.Runtime.Externs;

/// <summary>A register array of bit&lt;W&gt; cells, W ≤ 64; every cell starts at zero, as on BMv2.</summary>
internal sealed class RegisterStore(uint id, string name, long size, int width)
{
    private readonly ulong[] _cells = new ulong[size];
    private readonly ulong _mask = width >= 64 ? ulong.MaxValue : (1UL << width) - 1;

    public uint Id { get; } = id;
    public string Name { get; } = name;
    public long Size { get; } = size;

    /// <summary>register.read(); an index past the end reads zero, as BMv2 does after logging it.</summary>
    public ulong Read(long index) => (ulong)index < (ulong)Size ? _cells[index] : 0;

    /// <summary>register.write(); an index past the end is ignored.</summary>
    public void Write(long index, ulong value)
    {
        if ((ulong)index < (ulong)Size)
            _cells[index] = value & _mask;
    }
}
