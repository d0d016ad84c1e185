using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Offload.Controller.Configuration;
using Offload.Packets;
using Offload.Packets.Headers;

namespace Offload.Controller.Switches;

/// <summary>
/// IPv6 neighbor discovery for the switch's own addresses (RFC 4861): offload.p4 answers ARP itself, but punts a
/// Neighbor Solicitation for a VIP or an interface address (an ACL rule per address); this builds the Neighbor
/// Advertisement the controller sends back out of the port it came in on. VIPs answer with their virtual MAC,
/// interfaces with the router MAC (a group's virtual MAC) and the router flag. A standby answers for nothing.
/// </summary>
public sealed class NeighborResponder
{
    private const byte Icmpv6 = 58, NeighborSolicitation = 135, NeighborAdvertisement = 136;
    private const byte OptionSourceLinkLayer = 1, OptionTargetLinkLayer = 2;
    private readonly Dictionary<UInt128, (ulong Mac, bool Router)> _targets;

    public NeighborResponder(OffloadConfig config, SwitchConfig sw, SwitchRole role = SwitchRole.Alone)
    {
        _targets = new Dictionary<UInt128, (ulong, bool)>();
        if (role == SwitchRole.Standby)
            return;
        foreach (var iface in sw.Interfaces.Where(i => i.Address.AddressFamily == AddressFamily.InterNetworkV6))
            _targets[Number(iface.Address)] = (Plumbing.Addresses.MacToNumber(sw.Group?.VirtualMac ?? sw.RouterMac), true);
        foreach (var vip in config.Vips.Where(v => v.Address.AddressFamily == AddressFamily.InterNetworkV6))
            _targets.TryAdd(Number(vip.Address), (Plumbing.Addresses.MacToNumber(vip.Vmac), false));
    }

    /// <summary>The addresses answered for, as the ACL punts them: each target and its solicited-node multicast group.</summary>
    public IEnumerable<IPAddress> PuntedDestinations => _targets.Keys.SelectMany(t => new[] { t, SolicitedNode(t) }).Distinct().Select(Address);

    /// <summary>ff02::1:ffXX:XXXX, the group a solicitation for <paramref name="target"/> is sent to.</summary>
    public static UInt128 SolicitedNode(UInt128 target) => ((UInt128)0xff02_0000_0000_0000 << 64) | 0x0000_0001_ff00_0000 | (target & 0xff_ffff);

    /// <summary>The advertisement answering a frame, or null when it is not a valid solicitation for one of our addresses.</summary>
    public byte[]? Answer(ReadOnlySpan<byte> frame)
    {
        if (!EthernetHeader.TryRead(frame, out var ethernet) || ethernet.EtherType != 0x86dd)
            return null;
        var ip = frame[EthernetHeader.Length..];
        if (!Ipv6Header.TryRead(ip, out var ipv6) || ipv6.NextHdr != Icmpv6 || ipv6.HopLimit != 255)
            return null;
        var icmp = ip[Ipv6Header.Length..];
        if (icmp.Length < 24 || ipv6.PayloadLen < 24 || icmp.Length < ipv6.PayloadLen)
            return null;
        icmp = icmp[..ipv6.PayloadLen];
        if (icmp[0] != NeighborSolicitation || icmp[1] != 0 || Checksum(ipv6.SrcAddr, ipv6.DstAddr, icmp) != 0)
            return null;
        var target = BinaryPrimitives.ReadUInt128BigEndian(icmp[8..]);
        if (!_targets.TryGetValue(target, out var mine))
            return null;

        // RFC 4861 7.2.4: to the solicitation's source, or all-nodes when it came from the unspecified address (DAD).
        var unspecified = ipv6.SrcAddr == 0;
        var destinationMac = ethernet.SrcAddr;
        if (!unspecified && SourceLinkLayer(icmp[24..]) is { } linkLayer)
            destinationMac = linkLayer;
        return unspecified ? Advertisement(target, mine, AllNodesMac, AllNodes, solicited: false) : Advertisement(target, mine, destinationMac, ipv6.SrcAddr, solicited: true);
    }

    /// <summary>
    /// An unsolicited advertisement (RFC 4861 7.2.6) of every address answered for, to all nodes with the override flag:
    /// what a switch that has just become active sends so its neighbours' entries move to it.
    /// </summary>
    public IEnumerable<byte[]> Unsolicited() => _targets.Select(t => Advertisement(t.Key, t.Value, AllNodesMac, AllNodes, solicited: false));

    private const ulong AllNodesMac = 0x3333_0000_0001;
    private static readonly UInt128 AllNodes = ((UInt128)0xff02_0000_0000_0000 << 64) | 1;

    private static byte[] Advertisement(UInt128 target, (ulong Mac, bool Router) mine, ulong destinationMac, UInt128 destination, bool solicited)
    {
        var answer = new byte[EthernetHeader.Length + Ipv6Header.Length + 32];
        new EthernetHeader { DstAddr = destinationMac, SrcAddr = mine.Mac, EtherType = 0x86dd }.Write(answer);
        new Ipv6Header { Version = 6, PayloadLen = 32, NextHdr = Icmpv6, HopLimit = 255, SrcAddr = target, DstAddr = destination }
            .Write(answer.AsSpan(EthernetHeader.Length));
        var advert = answer.AsSpan(EthernetHeader.Length + Ipv6Header.Length);
        advert[0] = NeighborAdvertisement;
        var flags = 0x2000_0000u | (mine.Router ? 0x8000_0000u : 0) | (solicited ? 0x4000_0000u : 0);
        BinaryPrimitives.WriteUInt32BigEndian(advert[4..], flags);
        BinaryPrimitives.WriteUInt128BigEndian(advert[8..], target);
        advert[24] = OptionTargetLinkLayer;
        advert[25] = 1;
        for (var i = 0; i < 6; i++)
            advert[26 + i] = (byte)(mine.Mac >> (40 - 8 * i));
        BinaryPrimitives.WriteUInt16BigEndian(advert[2..], Checksum(target, destination, advert));
        return answer;
    }

    private static ulong? SourceLinkLayer(ReadOnlySpan<byte> options)
    {
        while (options.Length >= 8 && options[1] > 0 && options.Length >= options[1] * 8)
        {
            if (options[0] == OptionSourceLinkLayer)
            {
                var mac = 0UL;
                foreach (var b in options.Slice(2, 6))
                    mac = mac << 8 | b;
                return mac;
            }
            options = options[(options[1] * 8)..];
        }
        return null;
    }

    private static ushort Checksum(UInt128 source, UInt128 destination, ReadOnlySpan<byte> icmp) =>
        InternetChecksum.Finish(InternetChecksum.Add(InternetChecksum.AddPseudoHeaderV6(0, source, destination, Icmpv6, (uint)icmp.Length), icmp));

    private static UInt128 Number(IPAddress address) => BinaryPrimitives.ReadUInt128BigEndian(address.GetAddressBytes());

    private static IPAddress Address(UInt128 number)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, number);
        return new IPAddress(bytes);
    }
}
