using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Tables;

namespace Offload.Simulator.Pipeline.Controls;

/// <summary>Routing of routing.p4.</summary>
internal sealed class Routing : Control
{
    private readonly TableStore _routingV4, _routingV6;
    private readonly uint _setNextHop, _dropRoute, _noRoute;

    public Routing(DeviceState device) : base(device)
    {
        _routingV4 = Table(P4Names.RoutingV4);
        _routingV6 = Table(P4Names.RoutingV6);
        _setNextHop = ActionId(P4Names.SetNextHop);
        _dropRoute = ActionId(P4Names.DropRoute);
        _noRoute = ActionId(P4Names.NoRoute);
    }

    public void Apply(PacketContext ctx)
    {
        var hdr = ctx.Hdr;
        if (hdr.Ipv4Valid)
        {
            if (hdr.Ipv4.Ttl <= 1)
            {
                ctx.Meta.DropReason = P4Constants.DropTtlExpired;
                return;
            }
            Run(Apply(_routingV4, [hdr.Ipv4.DstAddr], ctx), ctx);
            hdr.Ipv4.Ttl--;
        }
        else if (hdr.Ipv6Valid)
        {
            if (hdr.Ipv6.HopLimit <= 1)
            {
                ctx.Meta.DropReason = P4Constants.DropTtlExpired;
                return;
            }
            Run(Apply(_routingV6, [hdr.Ipv6.DstAddr], ctx), ctx);
            hdr.Ipv6.HopLimit--;
        }
    }

    private void Run(ActionCall action, PacketContext ctx)
    {
        if (action.ActionId == _setNextHop)
        {
            ctx.Std.EgressSpec = (uint)action[0];
            ctx.Hdr.Ethernet.SrcAddr = (ulong)action[1];
            ctx.Hdr.Ethernet.DstAddr = (ulong)action[2];
        }
        else if (action.ActionId == _dropRoute)
        {
            ctx.Meta.DropReason = P4Constants.DropNullRoute;
        }
        else if (action.ActionId == _noRoute)
        {
            ctx.Meta.DropReason = P4Constants.DropNoRoute;
        }
    }
}
