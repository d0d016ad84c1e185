using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using Offload.Packets;
using Offload.Packets.Headers;

namespace Offload.Tests.Common.Packets;

/// <summary>
/// Builds the bytes scapy builds for an expression: scapy's field defaults (IP id=1, ttl=64; TCP sport=20,
/// dport=80, flags=S, window=8192; UDP ports 53) and its automatic fields (types, lengths, checksums).
/// </summary>
public static class ScapyPacket
{
    public static byte[] Build(string expression) => Build(ScapyExpression.Parse(expression));

    public static byte[] Build(IReadOnlyList<ScapyLayer> layers)
    {
        byte[] payload = [];
        for (var i = layers.Count - 1; i >= 0; i--)
        {
            var next = i + 1 < layers.Count ? layers[i + 1].Name : null;
            var outer = i > 0 ? layers[i - 1] : null;
            payload = Serialize(layers[i], payload, next, outer);
        }
        return payload;
    }

    private static byte[] Serialize(ScapyLayer layer, byte[] payload, string? next, ScapyLayer? outer) => layer.Name switch
    {
        "Ether" => Ether(layer, payload, next),
        "Dot1Q" => Dot1Q(layer, payload, next),
        "ARP" => Arp(layer, payload),
        "IP" => Ip(layer, payload, next),
        "IPv6" => Ipv6(layer, payload, next),
        "TCP" => Tcp(layer, payload, outer),
        "UDP" => Udp(layer, payload, outer),
        "ICMP" => Icmp(layer, payload),
        "ICMPv6EchoRequest" => Icmpv6(layer, payload, outer, type: 128, [(ushort)layer.Int("id", 0), (ushort)layer.Int("seq", 0)]),
        "ICMPv6ND_NS" => Icmpv6(layer, payload, outer, type: 135, NeighborSolicitation(layer)),
        "Raw" => [.. layer.Bytes("load"), .. payload],
        _ => throw new FormatException($"layer {layer.Name} is not supported by the vector packet builder"),
    };

    private static ushort EtherTypeOf(string? next) => next switch
    {
        "IP" => 0x0800, "IPv6" => 0x86dd, "ARP" => 0x0806, "Dot1Q" => 0x8100,
        _ => 0x9000,
    };

    private static byte ProtocolOf(string? next, byte fallback) => next switch
    {
        "TCP" => 6, "UDP" => 17, "ICMP" => 1, "ICMPv6EchoRequest" or "ICMPv6ND_NS" => 58,
        _ => fallback,
    };

    private static byte[] Ether(ScapyLayer l, byte[] payload, string? next)
    {
        var header = new EthernetHeader
        {
            DstAddr = Mac(l.Text("dst", "ff:ff:ff:ff:ff:ff")),
            SrcAddr = Mac(l.Text("src", "00:00:00:00:00:00")),
            EtherType = (ushort)l.Int("type", EtherTypeOf(next)),
        };
        return Join(EthernetHeader.Length, header.Write, payload);
    }

    private static byte[] Dot1Q(ScapyLayer l, byte[] payload, string? next)
    {
        var header = new VlanHeader
        {
            Pcp = (byte)l.Int("prio", 0), Dei = (byte)l.Int("id", 0), VlanId = (ushort)l.Int("vlan", 1),
            EtherType = (ushort)l.Int("type", EtherTypeOf(next)),
        };
        return Join(VlanHeader.Length, header.Write, payload);
    }

    private static byte[] Arp(ScapyLayer l, byte[] payload)
    {
        var op = l.Fields.TryGetValue("op", out var o) ? o switch { "who-has" => 1L, "is-at" => 2L, long n => n, _ => throw new FormatException($"ARP op {o}") } : 1;
        var header = new ArpHeader
        {
            HType = (ushort)l.Int("hwtype", 1), PType = (ushort)l.Int("ptype", 0x0800), HLen = (byte)l.Int("hwlen", 6), PLen = (byte)l.Int("plen", 4),
            Oper = (ushort)op, Sha = Mac(l.Text("hwsrc", "00:00:00:00:00:00")), Spa = Ipv4(l.Text("psrc", "0.0.0.0")),
            Tha = Mac(l.Text("hwdst", "00:00:00:00:00:00")), Tpa = Ipv4(l.Text("pdst", "0.0.0.0")),
        };
        return Join(ArpHeader.Length, header.Write, payload);
    }

    private static byte[] Ip(ScapyLayer l, byte[] payload, string? next)
    {
        var flags = l.Fields.TryGetValue("flags", out var f) ? f switch { "DF" => 2L, "MF" => 1L, long n => n, _ => 0L } : 0;
        var header = new Ipv4Header
        {
            Version = (byte)l.Int("version", 4), Ihl = (byte)l.Int("ihl", 5), Dscp = (byte)(l.Int("tos", 0) >> 2), Ecn = (byte)(l.Int("tos", 0) & 3),
            TotalLen = (ushort)l.Int("len", Ipv4Header.Length + payload.Length), Identification = (ushort)l.Int("id", 1),
            Flags = (byte)flags, FragOffset = (ushort)l.Int("frag", 0), Ttl = (byte)l.Int("ttl", 64),
            Protocol = (byte)l.Int("proto", ProtocolOf(next, 0)),
            SrcAddr = Ipv4(l.Text("src", "127.0.0.1")), DstAddr = Ipv4(l.Text("dst", "127.0.0.1")),
        };
        header.HdrChecksum = (ushort)l.Int("chksum", header.ComputeChecksum());
        return Join(Ipv4Header.Length, header.Write, payload);
    }

    private static byte[] Ipv6(ScapyLayer l, byte[] payload, string? next)
    {
        var header = new Ipv6Header
        {
            Version = (byte)l.Int("version", 6), TrafficClass = (byte)l.Int("tc", 0), FlowLabel = (uint)l.Int("fl", 0),
            PayloadLen = (ushort)l.Int("plen", payload.Length), NextHdr = (byte)l.Int("nh", ProtocolOf(next, 59)),
            HopLimit = (byte)l.Int("hlim", 64), SrcAddr = Ipv6Address(l.Text("src", "::1")), DstAddr = Ipv6Address(l.Text("dst", "::1")),
        };
        return Join(Ipv6Header.Length, header.Write, payload);
    }

    private static byte[] Tcp(ScapyLayer l, byte[] payload, ScapyLayer? ip)
    {
        var header = new TcpHeader
        {
            SrcPort = (ushort)l.Int("sport", 20), DstPort = (ushort)l.Int("dport", 80),
            SeqNo = (uint)l.Int("seq", 0), AckNo = (uint)l.Int("ack", 0), DataOffset = (byte)l.Int("dataofs", 5), Res = (byte)l.Int("reserved", 0),
            Flags = l.Fields.TryGetValue("flags", out var f) ? f switch { string s => TcpFlags(s), long n => (byte)n, _ => (byte)2 } : (byte)2,
            Window = (ushort)l.Int("window", 8192), UrgentPtr = (ushort)l.Int("urgptr", 0),
        };
        var bytes = Join(TcpHeader.Length, header.Write, payload);
        var checksum = l.Has("chksum") ? (ushort)l.Int("chksum", 0) : L4Checksum(ip, 6, bytes);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(16), checksum);
        return bytes;
    }

    private static byte[] Udp(ScapyLayer l, byte[] payload, ScapyLayer? ip)
    {
        var header = new UdpHeader
        {
            SrcPort = (ushort)l.Int("sport", 53), DstPort = (ushort)l.Int("dport", 53), Len = (ushort)l.Int("len", UdpHeader.Length + payload.Length),
        };
        var bytes = Join(UdpHeader.Length, header.Write, payload);
        var checksum = l.Has("chksum") ? (ushort)l.Int("chksum", 0) : L4Checksum(ip, 17, bytes);
        if (checksum == 0 && !l.Has("chksum"))
            checksum = 0xffff;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), checksum);
        return bytes;
    }

    private static byte[] Icmp(ScapyLayer l, byte[] payload)
    {
        var bytes = new byte[8 + payload.Length];
        bytes[0] = (byte)l.Int("type", 8);
        bytes[1] = (byte)l.Int("code", 0);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), (ushort)l.Int("id", 0));
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), (ushort)l.Int("seq", 0));
        payload.CopyTo(bytes, 8);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)l.Int("chksum", InternetChecksum.Compute(bytes)));
        return bytes;
    }

    private static ushort[] NeighborSolicitation(ScapyLayer l)
    {
        var target = Ipv6Address(l.Text("tgt", "::"));
        var words = new ushort[10];
        for (var i = 0; i < 8; i++)
            words[2 + i] = (ushort)(target >> (112 - 16 * i));
        return words;
    }

    private static byte[] Icmpv6(ScapyLayer l, byte[] payload, ScapyLayer? ip, byte type, ushort[] words)
    {
        var bytes = new byte[4 + words.Length * 2 + payload.Length];
        bytes[0] = (byte)l.Int("type", type);
        bytes[1] = (byte)l.Int("code", 0);
        for (var i = 0; i < words.Length; i++)
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4 + 2 * i), words[i]);
        payload.CopyTo(bytes, 4 + words.Length * 2);
        var checksum = l.Has("cksum") ? (ushort)l.Int("cksum", 0) : L4Checksum(ip, 58, bytes);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), checksum);
        return bytes;
    }

    private static ushort L4Checksum(ScapyLayer? ip, byte protocol, byte[] segment)
    {
        ulong sum = ip?.Name switch
        {
            "IP" => InternetChecksum.AddPseudoHeaderV4(0, Ipv4(ip.Text("src", "127.0.0.1")), Ipv4(ip.Text("dst", "127.0.0.1")), protocol, (ushort)segment.Length),
            "IPv6" => InternetChecksum.AddPseudoHeaderV6(0, Ipv6Address(ip.Text("src", "::1")), Ipv6Address(ip.Text("dst", "::1")), protocol, (uint)segment.Length),
            _ => 0,
        };
        return InternetChecksum.Finish(InternetChecksum.Add(sum, segment));
    }

    private static byte TcpFlags(string flags) => (byte)flags.Sum(c => c switch
    {
        'F' => 0x01, 'S' => 0x02, 'R' => 0x04, 'P' => 0x08, 'A' => 0x10, 'U' => 0x20, 'E' => 0x40, 'C' => 0x80,
        _ => throw new FormatException($"TCP flag '{c}'"),
    });

    private delegate void HeaderWriter(Span<byte> span);

    private static byte[] Join(int headerLength, HeaderWriter write, byte[] payload)
    {
        var bytes = new byte[headerLength + payload.Length];
        write(bytes);
        payload.CopyTo(bytes, headerLength);
        return bytes;
    }

    public static ulong Mac(string text) =>
        BinaryPrimitives.ReadUInt64BigEndian([0, 0, .. PhysicalAddress.Parse(text.Replace(':', '-').ToUpperInvariant()).GetAddressBytes()]);

    public static uint Ipv4(string text) => BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(text).GetAddressBytes());

    public static UInt128 Ipv6Address(string text) => BinaryPrimitives.ReadUInt128BigEndian(IPAddress.Parse(text).GetAddressBytes());
}
