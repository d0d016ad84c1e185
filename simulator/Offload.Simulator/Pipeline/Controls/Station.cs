using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Tables;

namespace Offload.Simulator.Pipeline.Controls;

/// <summary>Station of station.p4.</summary>
internal sealed class Station : Control
{
    private readonly TableStore _routerMacs;
    private readonly uint _setRoutable;

    public Station(DeviceState device) : base(device)
    {
        _routerMacs = Table(P4Names.RouterMacs);
        _setRoutable = ActionId(P4Names.SetRoutable);
    }

    public void Apply(PacketContext ctx)
    {
        if (Apply(_routerMacs, [ctx.Hdr.Ethernet.DstAddr], ctx).ActionId == _setRoutable)
            ctx.Meta.Routable = true;
    }
}
