namespace Offload.Controller.LoadBalancing;

/// <summary>A flow's 5-tuple as the switch reports it (IPv4 addresses in the low 32 bits), with a hash that is the same in every process.</summary>
public readonly record struct FlowKey(UInt128 Source, UInt128 Destination, byte Protocol, ushort SourcePort, ushort DestinationPort)
{
    public ulong Hash() => StableHash.Mix(StableHash.Mix(StableHash.Mix(StableHash.Of(Source), StableHash.Of(Destination)),
        (ulong)Protocol << 32 | (ulong)SourcePort << 16 | DestinationPort), 0);
}

/// <summary>A deterministic 64-bit hash (SplitMix64 finalizer): unlike HashCode it survives a controller restart.</summary>
public static class StableHash
{
    public static ulong Of(UInt128 value) => Mix((ulong)value, (ulong)(value >> 64));

    public static ulong Of(ulong value) => Finish(value + 0x9e3779b97f4a7c15);

    public static ulong Mix(ulong a, ulong b) => Finish(a ^ Finish(b + 0x9e3779b97f4a7c15));

    private static ulong Finish(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
        z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
        return z ^ (z >> 31);
    }
}
