using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Tables;

namespace Offload.Simulator.Pipeline.Controls;

/// <summary>Connections of connections.p4.</summary>
internal sealed class Connections : Control
{
    private readonly TableStore _connV4, _connV6;
    private readonly uint _forward, _dropConnection;

    public Connections(DeviceState device) : base(device)
    {
        _connV4 = Table(P4Names.ConnV4);
        _connV6 = Table(P4Names.ConnV6);
        _forward = ActionId(P4Names.Forward);
        _dropConnection = ActionId(P4Names.DropConnection);
    }

    public void Apply(PacketContext ctx)
    {
        var hdr = ctx.Hdr;
        var meta = ctx.Meta;
        var action = hdr.Ipv4Valid
            ? Apply(_connV4, [hdr.Ipv4.SrcAddr, hdr.Ipv4.DstAddr, meta.IpProto, meta.L4SrcPort, meta.L4DstPort], ctx)
            : Apply(_connV6, [hdr.Ipv6.SrcAddr, hdr.Ipv6.DstAddr, meta.IpProto, meta.L4SrcPort, meta.L4DstPort], ctx);
        if (action.ActionId == _forward)
        {
            meta.ConnHit = true;
            meta.ToBackend = true;
            meta.BackendId = (ushort)action[0];
            meta.SeqDelta = (uint)action[1];
            meta.AckDelta = (uint)action[2];
        }
        else if (action.ActionId == _dropConnection)
        {
            meta.ConnHit = true;
            meta.DropReason = P4Constants.DropConnection;
        }
        if (meta.ToBackend && hdr.TcpValid)
        {
            hdr.Tcp.SeqNo += meta.SeqDelta;
            hdr.Tcp.AckNo += meta.AckDelta;
            if ((meta.TcpFlags & (P4Constants.TcpFlagFin | P4Constants.TcpFlagRst)) != 0)
                ctx.Std.EndDigest = true;
        }
    }
}
