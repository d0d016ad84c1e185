using System.Net;
using System.Net.Sockets;
using Offload.Controller.Configuration;
using Offload.Controller.Health.Ports;
using Offload.Controller.Plumbing;

namespace Offload.Controller.Switches;

/// <summary>
/// What a switch that has just become active sends out of its ports so that the segments' learning bridges and the
/// neighbours' caches point at it: a gratuitous ARP (RFC 5227's announcement: sender and target both the address)
/// from the virtual MAC for each interface address on the port and from each VIP's MAC for every IPv4 VIP, and the
/// unsolicited neighbor advertisements of the IPv6 addresses out of every port with an IPv6 interface.
/// </summary>
public static class Announcements
{
    public static IReadOnlyList<(uint Port, byte[] Frame)> For(OffloadConfig config, SwitchConfig sw, NeighborResponder neighbors)
    {
        var frames = new List<(uint, byte[])>();
        var gatewayMac = Addresses.MacToBytes(sw.Group?.VirtualMac ?? sw.RouterMac);
        var v4Vips = config.Vips.Where(v => v.Address.AddressFamily == AddressFamily.InterNetwork).DistinctBy(v => v.Address).ToList();
        foreach (var port in sw.Interfaces.Where(i => i.Address.AddressFamily == AddressFamily.InterNetwork).GroupBy(i => i.Port))
        {
            frames.AddRange(port.Select(i => (port.Key, Gratuitous(gatewayMac, i.Address))));
            frames.AddRange(v4Vips.Select(v => (port.Key, Gratuitous(Addresses.MacToBytes(v.Vmac), v.Address))));
        }
        var advertisements = neighbors.Unsolicited().ToList();
        foreach (var port in sw.Interfaces.Where(i => i.Address.AddressFamily == AddressFamily.InterNetworkV6).Select(i => i.Port).Distinct())
            frames.AddRange(advertisements.Select(a => (port, a)));
        return frames;
    }

    private static byte[] Gratuitous(byte[] mac, IPAddress address) => PortMonitor.ArpRequest(mac, address, address);
}
