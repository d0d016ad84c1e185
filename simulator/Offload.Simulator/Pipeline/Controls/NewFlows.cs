using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Externs;

namespace Offload.Simulator.Pipeline.Controls;

/// <summary>NewFlows of new_flows.p4.</summary>
internal sealed class NewFlows(DeviceState device) : Control(device)
{
    private readonly MeterStore _newFlowMeter = device.Meter(P4Names.NewFlowMeter);

    public void Apply(PacketContext ctx)
    {
        var meta = ctx.Meta;
        var midFlow = ctx.Hdr.TcpValid && (meta.TcpFlags & P4Constants.TcpFlagSyn) == 0;
        if (midFlow && (meta.VipMode == P4Constants.VipModeControllerClassify || meta.PuntNonSyn == 1))
        {
            meta.PuntReason = P4Constants.PuntNonSynMiss;
            return;
        }
        if (!midFlow)
            meta.NewFlowColor = (byte)_newFlowMeter.Execute(meta.VipId, ctx.Std.PacketLength);
        if (meta.NewFlowColor == (byte)MeterColor.Red)
            meta.DropReason = P4Constants.DropNewFlowRate;
        else if (meta.VipMode == P4Constants.VipModeDataplaneSelect)
            meta.SelectBackend = true;
        else if (meta.VipMode == P4Constants.VipModeControllerClassify)
            meta.PuntReason = P4Constants.PuntNewFlow;
        else
            meta.DropReason = P4Constants.DropDeliverOnly;
    }
}
