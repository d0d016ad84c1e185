using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Tables;

namespace Offload.Simulator.Pipeline.Controls;

/// <summary>ArpResponder of arp.p4.</summary>
internal sealed class ArpResponder : Control
{
    private readonly TableStore _arpTargets;
    private readonly TableStore _arpReplies;
    private readonly uint _replyArp;
    private readonly uint _puntArpReply;

    public ArpResponder(DeviceState device) : base(device)
    {
        _arpTargets = Table(P4Names.ArpTargets);
        _arpReplies = Table(P4Names.ArpReplies);
        _replyArp = ActionId(P4Names.ReplyArp);
        _puntArpReply = ActionId(P4Names.PuntArpReply);
    }

    public void Apply(PacketContext ctx)
    {
        ref var arp = ref ctx.Hdr.Arp;
        if (arp.HType != P4Constants.ArpHtypeEthernet || arp.PType != P4Constants.EthertypeIpv4)
            return;
        if (arp.Oper == P4Constants.ArpOperReply)
        {
            if (Apply(_arpReplies, [arp.Tpa], ctx).ActionId == _puntArpReply)
            {
                ctx.Meta.PuntReason = P4Constants.PuntArpReply;
                ctx.Meta.ArpAnswered = true;
            }
            return;
        }
        if (arp.Oper != P4Constants.ArpOperRequest)
            return;
        var action = Apply(_arpTargets, [arp.Tpa], ctx);
        if (action.ActionId != _replyArp)
            return;
        var mac = (ulong)action[0];
        ctx.Hdr.Ethernet.DstAddr = arp.Sha;
        ctx.Hdr.Ethernet.SrcAddr = mac;
        arp.Oper = P4Constants.ArpOperReply;
        arp.Tha = arp.Sha;
        arp.Sha = mac;
        (arp.Spa, arp.Tpa) = (arp.Tpa, arp.Spa);
        ctx.Std.EgressSpec = ctx.Std.IngressPort;
        ctx.Meta.ArpAnswered = true;
    }
}
