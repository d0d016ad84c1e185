using System.Buffers.Binary;
using Offload.Packets.Headers;

namespace Offload.Simulator.Pipeline;

/// <summary>OffloadParser and OffloadDeparser of parser.p4, state by state.</summary>
internal static class OffloadParser
{
    public static void Parse(PacketContext ctx, uint cpuPort)
    {
        var hdr = ctx.Hdr;
        var meta = ctx.Meta;
        var data = ctx.Packet.AsSpan();
        var offset = 0;
        ctx.Std.ParserError = false;

        bool Fail()
        {
            ctx.Std.ParserError = true;
            ctx.PayloadOffset = offset;
            return false;
        }

        if (ctx.Std.IngressPort == cpuPort)
        {
            if (data.Length < Headers.PacketOutLength) { Fail(); return; }
            hdr.PacketOutValid = true;
            hdr.PacketOutEgressPort = BinaryPrimitives.ReadUInt16BigEndian(data);
            hdr.PacketOutMode = data[2];
            offset = Headers.PacketOutLength;
        }

        if (!EthernetHeader.TryRead(data[offset..], out hdr.Ethernet)) { Fail(); return; }
        hdr.EthernetValid = true;
        offset += EthernetHeader.Length;
        meta.EthType = hdr.Ethernet.EtherType;
        var etherType = hdr.Ethernet.EtherType;
        if (etherType == P4Constants.EthertypeVlan)
        {
            if (!VlanHeader.TryRead(data[offset..], out hdr.Vlan)) { Fail(); return; }
            hdr.VlanValid = true;
            offset += VlanHeader.Length;
            meta.EthType = etherType = hdr.Vlan.EtherType;
        }

        byte l4 = 0;
        if (etherType == P4Constants.EthertypeArp)
        {
            if (!ArpHeader.TryRead(data[offset..], out hdr.Arp)) { Fail(); return; }
            hdr.ArpValid = true;
            offset += ArpHeader.Length;
        }
        else if (etherType == P4Constants.EthertypeIpv4)
        {
            if (!Ipv4Header.TryRead(data[offset..], out hdr.Ipv4)) { Fail(); return; }
            hdr.Ipv4Valid = true;
            offset += Ipv4Header.Length;
            meta.IpVersion = 4;
            meta.IpSrc = hdr.Ipv4.SrcAddr;
            meta.IpDst = hdr.Ipv4.DstAddr;
            meta.IpProto = hdr.Ipv4.Protocol;
            meta.L4Len = (ushort)(hdr.Ipv4.TotalLen - 20);
            if (hdr.Ipv4.Ihl == 5 && hdr.Ipv4.FragOffset == 0)
                l4 = hdr.Ipv4.Protocol;
        }
        else if (etherType == P4Constants.EthertypeIpv6)
        {
            if (!Ipv6Header.TryRead(data[offset..], out hdr.Ipv6)) { Fail(); return; }
            hdr.Ipv6Valid = true;
            offset += Ipv6Header.Length;
            meta.IpVersion = 6;
            meta.IpSrc = hdr.Ipv6.SrcAddr;
            meta.IpDst = hdr.Ipv6.DstAddr;
            meta.IpProto = hdr.Ipv6.NextHdr;
            meta.L4Len = hdr.Ipv6.PayloadLen;
            l4 = hdr.Ipv6.NextHdr switch
            {
                P4Constants.ProtoIcmpv6 => P4Constants.ProtoIcmp,
                P4Constants.ProtoTcp or P4Constants.ProtoUdp => hdr.Ipv6.NextHdr,
                _ => 0,
            };
        }

        if (l4 == P4Constants.ProtoTcp)
        {
            if (!TcpHeader.TryRead(data[offset..], out hdr.Tcp)) { Fail(); return; }
            hdr.TcpValid = true;
            offset += TcpHeader.Length;
            meta.L4SrcPort = hdr.Tcp.SrcPort;
            meta.L4DstPort = hdr.Tcp.DstPort;
            meta.TcpFlags = hdr.Tcp.Flags;
        }
        else if (l4 == P4Constants.ProtoUdp)
        {
            if (!UdpHeader.TryRead(data[offset..], out hdr.Udp)) { Fail(); return; }
            hdr.UdpValid = true;
            offset += UdpHeader.Length;
            meta.L4SrcPort = hdr.Udp.SrcPort;
            meta.L4DstPort = hdr.Udp.DstPort;
        }
        else if (l4 == P4Constants.ProtoIcmp)
        {
            if (!IcmpHeader.TryRead(data[offset..], out hdr.Icmp)) { Fail(); return; }
            hdr.IcmpValid = true;
            offset += IcmpHeader.Length;
            meta.IcmpType = hdr.Icmp.Type;
        }
        ctx.PayloadOffset = offset;
    }

    public static byte[] Deparse(PacketContext ctx)
    {
        var hdr = ctx.Hdr;
        var payload = ctx.Payload;
        var length = payload.Length
            + (hdr.PacketInValid ? Headers.PacketInLength : 0)
            + (hdr.EthernetValid ? EthernetHeader.Length : 0)
            + (hdr.VlanValid ? VlanHeader.Length : 0)
            + (hdr.ArpValid ? ArpHeader.Length : 0)
            + (hdr.Ipv4Valid ? Ipv4Header.Length : 0)
            + (hdr.Ipv6Valid ? Ipv6Header.Length : 0)
            + (hdr.TcpValid ? TcpHeader.Length : 0)
            + (hdr.UdpValid ? UdpHeader.Length : 0)
            + (hdr.IcmpValid ? IcmpHeader.Length : 0);
        var output = new byte[length];
        var span = output.AsSpan();
        var at = 0;
        if (hdr.PacketInValid)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span, hdr.PacketInIngressPort);
            span[2] = hdr.PacketInReason;
            BinaryPrimitives.WriteUInt16BigEndian(span[3..], hdr.PacketInVipId);
            at = Headers.PacketInLength;
        }
        if (hdr.EthernetValid) { hdr.Ethernet.Write(span[at..]); at += EthernetHeader.Length; }
        if (hdr.VlanValid) { hdr.Vlan.Write(span[at..]); at += VlanHeader.Length; }
        if (hdr.ArpValid) { hdr.Arp.Write(span[at..]); at += ArpHeader.Length; }
        if (hdr.Ipv4Valid) { hdr.Ipv4.Write(span[at..]); at += Ipv4Header.Length; }
        if (hdr.Ipv6Valid) { hdr.Ipv6.Write(span[at..]); at += Ipv6Header.Length; }
        if (hdr.TcpValid) { hdr.Tcp.Write(span[at..]); at += TcpHeader.Length; }
        if (hdr.UdpValid) { hdr.Udp.Write(span[at..]); at += UdpHeader.Length; }
        if (hdr.IcmpValid) { hdr.Icmp.Write(span[at..]); at += IcmpHeader.Length; }
        payload.CopyTo(span[at..]);
        return output;
    }
}
