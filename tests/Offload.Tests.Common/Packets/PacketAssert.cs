using System.Text;
using Offload.Packets;
using Offload.Packets.Headers;

namespace Offload.Tests.Common.Packets;

public sealed class PacketMismatchException(string message) : Exception(message);

/// <summary>Packet comparisons that say where two packets differ, and an independent check of their checksums.</summary>
public static class PacketAssert
{
    public static void Equal(byte[] expected, byte[] actual, string where)
    {
        if (expected.AsSpan().SequenceEqual(actual))
            return;
        var first = 0;
        while (first < Math.Min(expected.Length, actual.Length) && expected[first] == actual[first])
            first++;
        var message = new StringBuilder($"{where}: packets differ at byte {first} ({Describe(first, expected)})");
        message.Append($"\n  expected ({expected.Length} bytes): {Convert.ToHexString(expected)}");
        message.Append($"\n  actual   ({actual.Length} bytes): {Convert.ToHexString(actual)}");
        throw new PacketMismatchException(message.ToString());
    }

    /// <summary>Checks the IPv4 header checksum and the TCP/UDP checksum of an Ethernet frame (IPv4 or IPv6, no VLAN).</summary>
    public static void ChecksumsValid(byte[] frame, string where)
    {
        if (!EthernetHeader.TryRead(frame, out var eth))
            return;
        var l3 = frame.AsSpan(EthernetHeader.Length);
        ulong pseudo;
        byte protocol;
        ReadOnlySpan<byte> segment;
        if (eth.EtherType == 0x0800 && Ipv4Header.TryRead(l3, out var ip4))
        {
            if (InternetChecksum.Compute(l3[..(ip4.Ihl * 4)]) != 0)
                throw new PacketMismatchException($"{where}: bad IPv4 header checksum 0x{ip4.HdrChecksum:x4}");
            if (ip4.FragOffset != 0 || ip4.Ihl != 5)
                return;
            segment = l3[20..Math.Min(l3.Length, ip4.TotalLen)];
            protocol = ip4.Protocol;
            pseudo = InternetChecksum.AddPseudoHeaderV4(0, ip4.SrcAddr, ip4.DstAddr, protocol, (ushort)segment.Length);
        }
        else if (eth.EtherType == 0x86dd && Ipv6Header.TryRead(l3, out var ip6))
        {
            segment = l3[40..Math.Min(l3.Length, 40 + ip6.PayloadLen)];
            protocol = ip6.NextHdr;
            pseudo = InternetChecksum.AddPseudoHeaderV6(0, ip6.SrcAddr, ip6.DstAddr, protocol, (uint)segment.Length);
        }
        else
            return;
        if (protocol == 17 && segment.Length >= 8 && segment[6] == 0 && segment[7] == 0 && eth.EtherType == 0x0800)
            return;
        if (protocol is 6 or 17 && InternetChecksum.Finish(InternetChecksum.Add(pseudo, segment)) != 0)
            throw new PacketMismatchException($"{where}: bad {(protocol == 6 ? "TCP" : "UDP")} checksum");
    }

    private static string Describe(int offset, byte[] packet)
    {
        if (offset < 14)
            return "Ethernet";
        var type = packet.Length >= 14 ? packet[12] << 8 | packet[13] : 0;
        var l3 = offset - 14;
        return type switch
        {
            0x0800 when l3 < 20 => $"IPv4 header byte {l3}",
            0x0800 => $"IPv4 payload byte {l3 - 20}",
            0x86dd when l3 < 40 => $"IPv6 header byte {l3}",
            0x86dd => $"IPv6 payload byte {l3 - 40}",
            0x0806 => $"ARP byte {l3}",
            _ => $"byte {l3} after Ethernet",
        };
    }
}
