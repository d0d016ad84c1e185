using Offload.Packets;
using Offload.Packets.Headers;

namespace Offload.Simulator.Pipeline;

/// <summary>OffloadVerifyChecksum and OffloadComputeChecksum of checksum.p4.</summary>
internal static class Checksums
{
    public static void Verify(PacketContext ctx)
    {
        var hdr = ctx.Hdr;
        if (hdr.Ipv4Valid && hdr.Ipv4.Ihl == 5 && hdr.Ipv4.ComputeChecksum() != hdr.Ipv4.HdrChecksum)
            ctx.Std.ChecksumError = true;
    }

    public static void Compute(PacketContext ctx)
    {
        var hdr = ctx.Hdr;
        var meta = ctx.Meta;
        if (hdr.Ipv4Valid && hdr.Ipv4.Ihl == 5)
            hdr.Ipv4.HdrChecksum = hdr.Ipv4.ComputeChecksum();
        if (!meta.L4Rewritten)
            return;
        if (hdr.TcpValid && (hdr.Ipv4Valid || hdr.Ipv6Valid))
        {
            Span<byte> bytes = stackalloc byte[TcpHeader.Length];
            var tcp = hdr.Tcp;
            tcp.Checksum = 0;
            tcp.Write(bytes);
            hdr.Tcp.Checksum = Finish(ctx, bytes);
        }
        else if (hdr.UdpValid && (hdr.Ipv6Valid || hdr.Ipv4Valid && hdr.Udp.Checksum != 0))
        {
            Span<byte> bytes = stackalloc byte[UdpHeader.Length];
            var udp = hdr.Udp;
            udp.Checksum = 0;
            udp.Write(bytes);
            hdr.Udp.Checksum = Finish(ctx, bytes);
        }
    }

    // As update_checksum_with_payload on BMv2: pseudo-header (with meta.l4_len), L4 header fields, then the payload.
    private static ushort Finish(PacketContext ctx, ReadOnlySpan<byte> l4Header)
    {
        var hdr = ctx.Hdr;
        var sum = hdr.Ipv4Valid
            ? InternetChecksum.AddPseudoHeaderV4(0, hdr.Ipv4.SrcAddr, hdr.Ipv4.DstAddr, hdr.Ipv4.Protocol, ctx.Meta.L4Len)
            : InternetChecksum.AddPseudoHeaderV6(0, hdr.Ipv6.SrcAddr, hdr.Ipv6.DstAddr, hdr.Ipv6.NextHdr, ctx.Meta.L4Len);
        sum = InternetChecksum.Add(sum, l4Header);
        sum = InternetChecksum.Add(sum, ctx.Payload);
        return InternetChecksum.Finish(sum);
    }
}
