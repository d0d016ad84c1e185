using Microsoft.Extensions.Logging.Abstractions;
using Offload.Controller.Configuration;
using Offload.Controller.Hosting;
using Offload.Controller.LoadBalancing;
using Offload.Controller.Pipeline;
using Offload.Controller.Switches;
using Offload.Tests.Common;
using Offload.Tests.Common.Packets;
using Offload.Tests.Common.Simulator;
using Xunit;

namespace Offload.Controller.Tests.Switches;

/// <summary>An active/standby pair on two in-process offload-sims, driven by a controller host.</summary>
public sealed class StandbyGroupTests
{
    private const string VirtualMac = "00:00:5e:00:01:01", VirtualMacHex = "00005E000101";

    private static string PairYaml(SimulatorHarness active, SimulatorHarness standby) =>
        ExampleConfig.OnSimulator(ExampleConfig.Yaml, active)
            .Replace("pool: [web1, web2, web3]", "pool: [web1]")
            .Replace("    router_mac: 00:aa:00:00:00:01", $"    virtual_mac: {VirtualMac}\n    standby:\n"
                + $"      - {{name: s2, address: \"{standby.Address}\", router_mac: \"00:aa:00:00:00:02\"}}\n    router_mac: 00:aa:00:00:00:01");

    private static ControllerHost Start(string yaml) =>
        ControllerHost.Start(ConfigLoader.Load(yaml, "pair.yaml", n => new LoadBalancingPolicyRegistry().TryGet(n, out _)), RepoPaths.Root,
            new LoadBalancingPolicyRegistry(), new SwitchAgentOptions(), NullLoggerFactory.Instance, yaml, "pair.yaml");

    private static string Syn(int clientPort, string flags = "S") =>
        $"Ether(dst=\"02:00:00:00:00:01\", src=\"00:00:00:00:00:02\")/IP(src=\"10.0.0.2\", dst=\"10.0.100.1\")/TCP(sport={clientPort}, dport=80, flags=\"{flags}\")";

    private static byte[] ArpFor(string address) =>
        ScapyPacket.Build($"Ether(dst=\"ff:ff:ff:ff:ff:ff\", src=\"00:00:00:00:00:02\")/ARP(op=1, hwsrc=\"00:00:00:00:00:02\", psrc=\"10.0.0.2\", pdst=\"{address}\")");

    private static async Task<IReadOnlyList<long>> IdleTimeoutsAsync(SimulatorHarness sim) =>
        (await sim.Controller.Client(1).ReadAsync([OffloadP4.WholeTable(sim.P4Info, OffloadP4.ConnV4)]).ToListAsync()).Select(e => e.TableEntry.IdleTimeoutNs).ToList();

    [Fact]
    public async Task ActiveAnswersWithTheVirtualMac_StandbyMirrorsConnections_TakesOverWhenTheActiveGoes()
    {
        var first = await SimulatorHarness.StartAsync();
        await using var second = await SimulatorHarness.StartAsync();
        await using var host = Start(PairYaml(first, second));
        var group = Assert.Single(host.Groups);
        await Eventually.WaitUntil(() => host.Agents.All(a => a.IsReady) && group.Active?.Name == "s1");
        Assert.Equal([SwitchRole.Active, SwitchRole.Standby], host.Agents.Select(a => a.Role));

        // The active switch answers for the gateway with the virtual MAC; the standby answers for nothing.
        var answer = Assert.Single(first.Inject(1, ArpFor("10.0.0.1")));
        Assert.Equal(VirtualMacHex, Convert.ToHexString(answer.Packet, 6, 6));
        Assert.Empty(second.Inject(1, ArpFor("10.0.0.1")));
        Assert.DoesNotContain(second.Inject(1, ScapyPacket.Build(Syn(40000))), o => o.Port != 255);

        // A connection pinned on the active switch is written onto the standby too, without an idle timeout, counted once.
        Assert.Equal(2u, Assert.Single(first.Inject(1, ScapyPacket.Build(Syn(41000)))).Port);
        await Eventually.WaitUntil(() => host.Agents.All(a => a.Connections == 1));
        Assert.Equal([60_000_000_000L], await IdleTimeoutsAsync(first));
        Assert.Equal([0L], await IdleTimeoutsAsync(second));
        Assert.Equal(1, host.Classifier.Backends[1].ActiveConnections);

        // The active switch goes away: the standby takes the virtual MAC, announces it, and ages the connection again.
        await first.DisposeAsync();
        await Eventually.WaitUntil(() => group.Takeovers.Count == 2, TimeSpan.FromSeconds(10));
        Assert.Equal(("s2", SwitchRole.Active), (group.Active?.Name, host.Agents[1].Role));
        var takeover = group.Takeovers[^1];
        Assert.Equal(("s1", "s2"), (takeover.From, takeover.To));
        Assert.Contains("stream is gone", takeover.Reason);
        var announced = await second.NextSentAsync(1, TimeSpan.FromSeconds(5));
        var garp = ScapyPacket.Build($"Ether(dst=\"ff:ff:ff:ff:ff:ff\", src=\"{VirtualMac}\")/ARP(op=1, hwsrc=\"{VirtualMac}\", psrc=\"10.0.0.1\", hwdst=\"00:00:00:00:00:00\", pdst=\"10.0.0.1\")");
        Assert.Equal(Convert.ToHexString(garp), Convert.ToHexString(announced!));
        Assert.Equal(VirtualMacHex, Convert.ToHexString(Assert.Single(second.Inject(1, ArpFor("10.0.0.1"))).Packet, 6, 6));
        await Eventually.WaitUntil(async () => (await IdleTimeoutsAsync(second)).SequenceEqual([60_000_000_000L]));
        Assert.Equal(1, host.Classifier.Backends[1].ActiveConnections);

        // The established connection goes on through the new active switch, to the backend its SYN reached.
        var established = Assert.Single(second.Inject(1, ScapyPacket.Build(Syn(41000, "A"))));
        Assert.Equal((2u, ScapyPacket.Ipv4("10.0.1.11")), (established.Port, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(established.Packet.AsSpan(30))));
    }

    [Fact]
    public async Task ReturningSwitch_StaysStandby_IsGivenEveryConnection()
    {
        await using var first = await SimulatorHarness.StartAsync();
        await using var second = await SimulatorHarness.StartAsync();
        var yaml = PairYaml(first, second);
        var host = Start(yaml);
        var group = host.Groups[0];
        await Eventually.WaitUntil(() => host.Agents.All(a => a.IsReady) && group.Active?.Name == "s1");
        for (var port = 42000; port < 42010; port++)
            first.Inject(1, ScapyPacket.Build(Syn(port)));
        await Eventually.WaitUntil(() => host.Agents.All(a => a.Connections == 10));
        await host.DisposeAsync();

        // A new controller finds s1 holding the virtual MAC and keeps it active; s2 keeps its mirrored copies.
        await using var restarted = Start(yaml);
        await Eventually.WaitUntil(() => restarted.Agents.All(a => a.IsReady) && restarted.Groups[0].Active is not null);
        Assert.Equal("s1", restarted.Groups[0].Active!.Name);
        Assert.Contains("holds the virtual MAC", restarted.Groups[0].Takeovers[^1].Reason);
        Assert.All(restarted.Agents, a => Assert.Equal(10, a.Connections));
        Assert.Equal(10, restarted.Classifier.Backends[1].ActiveConnections);
        Assert.Equal(10, (await IdleTimeoutsAsync(second)).Count(t => t == 0));
    }
}
