using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Externs;
using Offload.Simulator.Runtime.Tables;

namespace Offload.Simulator.Pipeline.Controls;

/// <summary>Vips of vips.p4.</summary>
internal sealed class Vips : Control
{
    private readonly TableStore _vipV4, _vipV6;
    private readonly CounterStore _vipCounter;
    private readonly uint _setVip;

    public Vips(DeviceState device) : base(device)
    {
        _vipV4 = Table(P4Names.VipV4);
        _vipV6 = Table(P4Names.VipV6);
        _vipCounter = device.Counter(P4Names.VipCounter);
        _setVip = ActionId(P4Names.SetVip);
    }

    public void Apply(PacketContext ctx)
    {
        var meta = ctx.Meta;
        ActionCall? action = null;
        if (ctx.Hdr.Ipv4Valid)
            action = Apply(_vipV4, [ctx.Hdr.Ipv4.DstAddr, meta.IpProto, meta.L4DstPort], ctx);
        else if (ctx.Hdr.Ipv6Valid)
            action = Apply(_vipV6, [ctx.Hdr.Ipv6.DstAddr, meta.IpProto, meta.L4DstPort], ctx);
        if (action?.ActionId == _setVip)
        {
            meta.VipHit = true;
            meta.VipId = (ushort)action[0];
            meta.VipMode = (byte)action[1];
            meta.PuntNonSyn = (byte)action[2];
        }
        if (meta.VipHit)
            _vipCounter.Count(meta.VipId, ctx.Std.PacketLength);
    }
}
