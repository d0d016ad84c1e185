using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Externs;

namespace Offload.Simulator.Pipeline.Controls;

/// <summary>Verdict of verdict.p4.</summary>
internal sealed class Verdict(DeviceState device, uint cpuPort) : Control(device)
{
    private readonly CounterStore _dropCounter = device.Counter(P4Names.DropCounter);
    private readonly CounterStore _puntCounter = device.Counter(P4Names.PuntCounter);

    public void Apply(PacketContext ctx)
    {
        var meta = ctx.Meta;
        if (meta.DropReason != P4Constants.DropNone)
        {
            _dropCounter.Count(meta.DropReason, ctx.Std.PacketLength);
            ctx.Std.MarkToDrop();
        }
        else if (meta.PuntReason != P4Constants.PuntNone)
        {
            _puntCounter.Count(meta.PuntReason, ctx.Std.PacketLength);
            ctx.Std.EgressSpec = cpuPort;
            ctx.Std.McastGrp = 0;
        }
    }
}
