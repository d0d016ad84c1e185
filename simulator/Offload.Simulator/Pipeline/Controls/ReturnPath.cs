using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Tables;

namespace Offload.Simulator.Pipeline.Controls;

/// <summary>ReturnPath of return_path.p4.</summary>
internal sealed class ReturnPath : Control
{
    private readonly TableStore _reverseConnV4, _reverseConnV6, _reverseEndpointV4, _reverseEndpointV6;
    private readonly uint _reverseNatV4, _reverseNatV6, _puntReturnMiss;

    public ReturnPath(DeviceState device) : base(device)
    {
        _reverseConnV4 = Table(P4Names.ReverseConnV4);
        _reverseConnV6 = Table(P4Names.ReverseConnV6);
        _reverseEndpointV4 = Table(P4Names.ReverseEndpointV4);
        _reverseEndpointV6 = Table(P4Names.ReverseEndpointV6);
        _reverseNatV4 = ActionId(P4Names.ReverseNatV4);
        _reverseNatV6 = ActionId(P4Names.ReverseNatV6);
        _puntReturnMiss = ActionId(P4Names.PuntReturnMiss);
    }

    public void Apply(PacketContext ctx)
    {
        var hdr = ctx.Hdr;
        var meta = ctx.Meta;
        ActionCall action;
        if (hdr.Ipv4Valid)
        {
            action = Apply(_reverseConnV4, [hdr.Ipv4.SrcAddr, hdr.Ipv4.DstAddr, meta.IpProto, meta.L4SrcPort, meta.L4DstPort], ctx, out var hit);
            if (!hit)
                action = Apply(_reverseEndpointV4, [hdr.Ipv4.SrcAddr, meta.IpProto, meta.L4SrcPort], ctx);
        }
        else
        {
            action = Apply(_reverseConnV6, [hdr.Ipv6.SrcAddr, hdr.Ipv6.DstAddr, meta.IpProto, meta.L4SrcPort, meta.L4DstPort], ctx, out var hit);
            if (!hit)
                action = Apply(_reverseEndpointV6, [hdr.Ipv6.SrcAddr, meta.IpProto, meta.L4SrcPort], ctx);
        }
        if (action.ActionId == _reverseNatV4 || action.ActionId == _reverseNatV6)
        {
            if (action.ActionId == _reverseNatV4 && hdr.Ipv4Valid)
                hdr.Ipv4.SrcAddr = (uint)action[1];
            else if (action.ActionId == _reverseNatV6 && hdr.Ipv6Valid)
                hdr.Ipv6.SrcAddr = action[1];
            meta.BackendId = (ushort)action[0];
            meta.NatL4Port = (ushort)action[2];
            meta.SeqDelta = (uint)action[3];
            meta.AckDelta = (uint)action[4];
            meta.L4Rewritten = true;
        }
        else if (action.ActionId == _puntReturnMiss)
        {
            meta.PuntReason = P4Constants.PuntReturnMiss;
        }
        if (!meta.L4Rewritten)
            return;
        if (hdr.TcpValid)
        {
            hdr.Tcp.SrcPort = meta.NatL4Port;
            hdr.Tcp.SeqNo += meta.SeqDelta;
            hdr.Tcp.AckNo += meta.AckDelta;
        }
        else if (hdr.UdpValid)
        {
            hdr.Udp.SrcPort = meta.NatL4Port;
        }
    }
}
