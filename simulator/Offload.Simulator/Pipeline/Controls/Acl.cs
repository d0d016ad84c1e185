using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Tables;

namespace Offload.Simulator.Pipeline.Controls;

/// <summary>Acl of acl.p4.</summary>
internal sealed class Acl : Control
{
    private readonly TableStore _acl;
    private readonly uint _permit, _drop, _punt;

    public Acl(DeviceState device) : base(device)
    {
        _acl = Table(P4Names.Acl);
        _permit = ActionId(P4Names.PermitAcl);
        _drop = ActionId(P4Names.DropAcl);
        _punt = ActionId(P4Names.PuntAcl);
    }

    public void Apply(PacketContext ctx)
    {
        var meta = ctx.Meta;
        ReadOnlySpan<UInt128> key =
            [ctx.Std.IngressPort, meta.EthType, meta.IpSrc, meta.IpDst, meta.IpProto, meta.L4SrcPort, meta.L4DstPort, meta.IcmpType];
        var action = Apply(_acl, key, ctx).ActionId;
        if (action == _permit)
        {
            meta.AclPermit = true;
        }
        else if (action == _drop)
        {
            meta.AclPermit = false;
            meta.DropReason = P4Constants.DropAcl;
        }
        else if (action == _punt)
        {
            meta.AclPermit = false;
            meta.PuntReason = P4Constants.PuntAcl;
        }
    }
}
