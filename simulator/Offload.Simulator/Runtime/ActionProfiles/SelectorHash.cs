namespace Offload.Simulator.Runtime.ActionProfiles;

/// <summary>
/// The hash of an action selector's fields: FNV-1a over each field's bytes. BMv2's crc16 picks differently but,
/// like it, gives every packet of a flow the same member while the group is unchanged.
/// </summary>
internal static class SelectorHash
{
    public static uint Compute(ReadOnlySpan<UInt128> fields)
    {
        var hash = 2166136261u;
        foreach (var field in fields)
        {
            var lo = (ulong)field;
            var hi = (ulong)(field >> 64);
            for (var i = 0; i < 8; i++)
            {
                hash = (hash ^ (byte)(lo >> (i * 8))) * 16777619u;
            }
            for (var i = 0; i < 8 && hi != 0; i++)
            {
                hash = (hash ^ (byte)(hi >> (i * 8))) * 16777619u;
            }
        }
        return hash ^ (hash >> 16);
    }
}
