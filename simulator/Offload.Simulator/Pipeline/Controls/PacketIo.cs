namespace Offload.Simulator.Pipeline.Controls;

/// <summary>PacketIoIngress of packetio.p4.</summary>
internal static class PacketIoIngress
{
    public static void Apply(PacketContext ctx, uint cpuPort)
    {
        var hdr = ctx.Hdr;
        if (hdr.PacketOutMode == P4Constants.PacketOutToPort)
        {
            if (hdr.PacketOutEgressPort == 0 || hdr.PacketOutEgressPort >= cpuPort)
                ctx.Meta.DropReason = P4Constants.DropPacketOutPort;
            else
                ctx.Std.EgressSpec = hdr.PacketOutEgressPort;
            ctx.Meta.PacketOutDone = true;
        }
        hdr.PacketOutValid = false;
    }
}

/// <summary>PacketIoEgress of packetio.p4.</summary>
internal static class PacketIoEgress
{
    public static void Apply(PacketContext ctx)
    {
        var hdr = ctx.Hdr;
        hdr.PacketInValid = true;
        hdr.PacketInIngressPort = (ushort)ctx.Std.IngressPort;
        hdr.PacketInReason = ctx.Meta.PuntReason;
        hdr.PacketInVipId = ctx.Meta.VipId;
    }
}
