using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Tables;

namespace Offload.Simulator.Pipeline.Controls;

/// <summary>Bridging of bridging.p4.</summary>
internal sealed class Bridging : Control
{
    private readonly TableStore _l2;
    private readonly uint _setL2Port, _setL2Multicast, _l2Miss;

    public Bridging(DeviceState device) : base(device)
    {
        _l2 = Table(P4Names.L2);
        _setL2Port = ActionId(P4Names.SetL2Port);
        _setL2Multicast = ActionId(P4Names.SetL2Multicast);
        _l2Miss = ActionId(P4Names.L2Miss);
    }

    public void Apply(PacketContext ctx)
    {
        var action = Apply(_l2, [ctx.Hdr.Ethernet.DstAddr], ctx);
        if (action.ActionId == _setL2Port)
            ctx.Std.EgressSpec = (uint)action[0];
        else if (action.ActionId == _setL2Multicast)
            ctx.Std.McastGrp = (ushort)action[0];
        else if (action.ActionId == _l2Miss)
            ctx.Meta.DropReason = P4Constants.DropL2Miss;
    }
}
