using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Tables;

namespace Offload.Simulator.Pipeline.Controls;

/// <summary>DistributionIngress and DistributionEgress of distribution.p4.</summary>
internal sealed class Distribution : Control
{
    private readonly TableStore _distribution, _replicas;
    private readonly uint _distribute, _rewriteMac, _rewriteV4, _rewriteV6;

    public Distribution(DeviceState device) : base(device)
    {
        _distribution = Table(P4Names.Distribution);
        _replicas = Table(P4Names.Replicas);
        _distribute = ActionId(P4Names.Distribute);
        _rewriteMac = ActionId(P4Names.RewriteReplicaMac);
        _rewriteV4 = ActionId(P4Names.RewriteReplicaV4);
        _rewriteV6 = ActionId(P4Names.RewriteReplicaV6);
    }

    public void ApplyIngress(PacketContext ctx)
    {
        var action = Apply(_distribution, [ctx.Meta.VipId], ctx);
        if (action.ActionId == _distribute)
            ctx.Std.CloneSession = (uint)action[0];
    }

    public void ApplyEgress(PacketContext ctx)
    {
        var hdr = ctx.Hdr;
        var action = Apply(_replicas, [ctx.Std.EgressRid], ctx);
        if (action.ActionId == _rewriteMac)
        {
            hdr.Ethernet.DstAddr = (ulong)action[0];
        }
        else if (action.ActionId == _rewriteV4)
        {
            hdr.Ethernet.DstAddr = (ulong)action[0];
            if (hdr.Ipv4Valid)
                hdr.Ipv4.DstAddr = (uint)action[1];
            ctx.Meta.L4Rewritten = true;
        }
        else if (action.ActionId == _rewriteV6)
        {
            hdr.Ethernet.DstAddr = (ulong)action[0];
            if (hdr.Ipv6Valid)
                hdr.Ipv6.DstAddr = action[1];
            ctx.Meta.L4Rewritten = true;
        }
    }
}
