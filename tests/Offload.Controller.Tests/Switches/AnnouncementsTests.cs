using Offload.Controller.Switches;
using Offload.Tests.Common.Packets;
using Xunit;

namespace Offload.Controller.Tests.Switches;

/// <summary>What a switch that has just become active sends: byte for byte what scapy builds.</summary>
public sealed class AnnouncementsTests
{
    [Fact]
    public async Task NewActive_AnnouncesInterfacesAndVips_FromTheirVirtualMacs()
    {
        var config = ExampleConfig.Load(y => y
            .Replace("    router_mac: 00:aa:00:00:00:01", "    virtual_mac: 00:00:5e:00:01:01\n    standby:\n"
                + "      - {name: s2, address: \"127.0.0.1:9560\", router_mac: \"00:aa:00:00:00:02\"}\n    router_mac: 00:aa:00:00:00:01")
            .Replace("      - port: 2\n        address: 10.0.1.1/24", "      - port: 2\n        address: 10.0.1.1/24\n      - port: 1\n        address: 2001:db8::1/64"));
        var standby = config.Switches[1];
        var frames = Announcements.For(config, standby, new NeighborResponder(config, standby, SwitchRole.Active));

        var expected = await Scapy.BuildAsync(
            "Ether(dst='ff:ff:ff:ff:ff:ff', src='00:00:5e:00:01:01')/ARP(op=1, hwsrc='00:00:5e:00:01:01', psrc='10.0.0.1', hwdst='00:00:00:00:00:00', pdst='10.0.0.1')",
            "Ether(dst='ff:ff:ff:ff:ff:ff', src='02:00:00:00:00:01')/ARP(op=1, hwsrc='02:00:00:00:00:01', psrc='10.0.100.1', hwdst='00:00:00:00:00:00', pdst='10.0.100.1')",
            "Ether(dst='ff:ff:ff:ff:ff:ff', src='00:00:5e:00:01:01')/ARP(op=1, hwsrc='00:00:5e:00:01:01', psrc='10.0.1.1', hwdst='00:00:00:00:00:00', pdst='10.0.1.1')",
            "Ether(dst='33:33:00:00:00:01', src='00:00:5e:00:01:01')/IPv6(src='2001:db8::1', dst='ff02::1', hlim=255)"
            + "/ICMPv6ND_NA(tgt='2001:db8::1', R=1, S=0, O=1)/ICMPv6NDOptDstLLAddr(lladdr='00:00:5e:00:01:01')");
        Assert.Equal(
            [(1u, expected[0]), (1u, expected[1]), (2u, expected[2]), (2u, expected[1]), (1u, expected[3])],
            frames.Select(f => (f.Port, f.Frame)), new FrameComparer());

        // A standby answers for nothing, so it announces nothing over IPv6 either.
        Assert.Empty(new NeighborResponder(config, standby, SwitchRole.Standby).Unsolicited());
    }

    private sealed class FrameComparer : IEqualityComparer<(uint Port, byte[] Frame)>
    {
        public bool Equals((uint Port, byte[] Frame) a, (uint Port, byte[] Frame) b) => a.Port == b.Port && a.Frame.AsSpan().SequenceEqual(b.Frame);
        public int GetHashCode((uint Port, byte[] Frame) f) => (int)f.Port;
    }
}
