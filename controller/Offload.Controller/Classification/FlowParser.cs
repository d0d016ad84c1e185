using Offload.Packets.Headers;

namespace Offload.Controller.Classification;

/// <summary>The 5-tuple of a punted packet (Ethernet, optional 802.1Q, IPv4 or IPv6, TCP or UDP); null for anything else.</summary>
public static class FlowParser
{
    public static Plumbing.Connection? Parse(ReadOnlySpan<byte> frame, int vipId)
    {
        if (!EthernetHeader.TryRead(frame, out var eth))
            return null;
        var at = EthernetHeader.Length;
        var type = eth.EtherType;
        if (type == 0x8100)
        {
            if (!VlanHeader.TryRead(frame[at..], out var vlan))
                return null;
            type = vlan.EtherType;
            at += VlanHeader.Length;
        }
        byte version, protocol;
        UInt128 source, destination;
        if (type == 0x0800 && Ipv4Header.TryRead(frame[at..], out var ip4) && ip4.Ihl == 5 && ip4.FragOffset == 0)
            (version, protocol, source, destination, at) = (4, ip4.Protocol, ip4.SrcAddr, ip4.DstAddr, at + Ipv4Header.Length);
        else if (type == 0x86dd && Ipv6Header.TryRead(frame[at..], out var ip6))
            (version, protocol, source, destination, at) = (6, ip6.NextHdr, ip6.SrcAddr, ip6.DstAddr, at + Ipv6Header.Length);
        else
            return null;
        ushort sourcePort, destinationPort;
        if (protocol == 6 && TcpHeader.TryRead(frame[at..], out var tcp))
            (sourcePort, destinationPort) = (tcp.SrcPort, tcp.DstPort);
        else if (protocol == 17 && UdpHeader.TryRead(frame[at..], out var udp))
            (sourcePort, destinationPort) = (udp.SrcPort, udp.DstPort);
        else
            return null;
        return new Plumbing.Connection(version, source, destination, protocol, sourcePort, destinationPort, vipId, 0);
    }
}
