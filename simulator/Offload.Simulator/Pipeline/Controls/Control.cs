using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Tables;

namespace Offload.Simulator.Pipeline.Controls;

/// <summary>What every control of offload.p4 needs: its device's tables and externs, by P4Info name.</summary>
internal abstract class Control(DeviceState device)
{
    protected DeviceState Device { get; } = device;

    protected TableStore Table(string name) => Device.Table(name);
    protected uint ActionId(string name) => Device.Schema.ActionId(name);

    /// <summary>table.apply() for a direct table: the hit entry's action, or the default action on a miss.</summary>
    protected static ActionCall Apply(TableStore table, ReadOnlySpan<UInt128> key, PacketContext ctx, out bool hit)
    {
        var entry = table.Lookup(key, ctx.Std.PacketLength, ctx.Timestamp);
        hit = entry is not null;
        return entry?.Action ?? table.DefaultAction;
    }

    protected static ActionCall Apply(TableStore table, ReadOnlySpan<UInt128> key, PacketContext ctx) =>
        Apply(table, key, ctx, out _);
}
