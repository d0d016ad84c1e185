using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Offload.Controller.Configuration;
using Offload.Controller.Health.Ports;
using Offload.Controller.Hosting;
using Offload.Controller.LoadBalancing;
using Offload.Controller.Switches;
using Offload.Tests.Common;
using Offload.Tests.Common.Simulator;
using Xunit;

namespace Offload.Controller.Tests.Hosting;

/// <summary>
/// Ports watched by ARP through offload-sim: requests leave by PacketOut, replies come back as packet-ins (reason
/// ARP_REPLY), and a silent host is told apart from a silent port.
/// </summary>
[Collection(Health.TimedCollection.Name)]
public sealed class PortMonitorTests
{
    /// <summary>Answers the switch's ARP requests on a port for the addresses in <see cref="Answering"/>, like the hosts behind it.</summary>
    private sealed class Neighbours(SimulatorHarness sim, uint port)
    {
        public HashSet<IPAddress> Answering { get; } = [];
        public int Requests;

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (await sim.NextSentAsync(port, TimeSpan.FromMilliseconds(200)) is not { Length: >= 42 } frame || frame[12] != 0x08 || frame[13] != 0x06 || frame[21] != 1)
                    continue;
                Interlocked.Increment(ref Requests);
                var target = new IPAddress(frame.AsSpan(38, 4));
                bool answers;
                lock (Answering)
                    answers = Answering.Contains(target);
                if (!answers)
                    continue;
                var mac = new byte[] { 0, 0, 0, 0, 1, frame[41] };
                var reply = new byte[42];
                frame.AsSpan(6, 6).CopyTo(reply);                  // to the router MAC
                mac.CopyTo(reply, 6);
                frame.AsSpan(12, 8).CopyTo(reply.AsSpan(12));      // ethertype, htype, ptype, hlen, plen
                reply[21] = 2;
                mac.CopyTo(reply, 22);
                frame.AsSpan(38, 4).CopyTo(reply.AsSpan(28));      // sender: the target
                frame.AsSpan(22, 10).CopyTo(reply.AsSpan(32));     // target: the router's MAC and interface address
                sim.Inject(port, reply);
            }
        }
    }

    [Fact]
    public async Task SilentHost_ToldApartFromSilentPort_BothLeaveSelection_AndComeBack()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var policies = new LoadBalancingPolicyRegistry();
        var config = ExampleConfig.Load(y => ExampleConfig.OnSimulator(y, sim)
            + "\ncontroller:\n  port_probe_interval: 200ms\n  port_probe_misses: 3\n");
        var neighbours = new Neighbours(sim, 2);
        lock (neighbours.Answering)
            neighbours.Answering.UnionWith([IPAddress.Parse("10.0.1.11"), IPAddress.Parse("10.0.1.12")]);
        using var stop = new CancellationTokenSource();
        var answering = neighbours.RunAsync(stop.Token);
        await using var host = ControllerHost.Start(config, RepoPaths.Root, policies, new SwitchAgentOptions(), NullLoggerFactory.Instance);
        int Weight(string name) => host.Config.Backends.Single(b => b.Name == name).Weight;
        string? Link(string name) => host.Health.Snapshot().Single(h => h.Backend == name).LinkDown;

        await Eventually.WaitUntil(() => Link("web3") == "10.0.1.13 does not answer ARP on port 2 (its neighbours do): the host is gone, the port works",
            TimeSpan.FromSeconds(5));
        await Eventually.WaitUntil(() => Weight("web3") == 0);
        Assert.Equal((1, 1), (Weight("web1"), Weight("web2")));
        Assert.Null(Link("web1"));

        lock (neighbours.Answering)
            neighbours.Answering.Clear();
        await Eventually.WaitUntil(() => Weight("web1") == 0 && Weight("web2") == 0, TimeSpan.FromSeconds(5));
        await Eventually.WaitUntil(() => Link("web1") == "port 2: no neighbour answers ARP within 0.6 s: the port or its link is down");

        lock (neighbours.Answering)
            neighbours.Answering.UnionWith([IPAddress.Parse("10.0.1.11"), IPAddress.Parse("10.0.1.12"), IPAddress.Parse("10.0.1.13")]);
        await Eventually.WaitUntil(() => Weight("web1") == 1 && Weight("web2") == 1 && Weight("web3") == 2, TimeSpan.FromSeconds(5));
        Assert.True(neighbours.Requests > 10);
        stop.Cancel();
        await answering;
    }

    [Fact]
    public void Targets_OnlyDirectlyAttachedIpv4Backends()
    {
        var config = ExampleConfig.Load(y => y.Replace("address: 10.0.1.13", "address: 10.9.9.13"));
        var monitor = new PortMonitor(config.Switches[0], TimeProvider.System);
        monitor.Update(config);
        Assert.Equal(["web1", "web2"], monitor.Targets.Select(t => t.Backend));
        Assert.All(monitor.Targets, t => Assert.Equal(IPAddress.Parse("10.0.1.1"), t.Interface));
        var (port, frame) = monitor.Probes().First();
        Assert.Equal(2u, port);
        Assert.Equal("ffffffffffff00aa0000000108060001080006040001" + "00aa00000001" + "0a000101" + "000000000000" + "0a00010b", Convert.ToHexStringLower(frame));
        Assert.False(monitor.Answered(2, frame));
    }

    [Fact]
    public void PortNeverHeard_NotJudged_FailsOpen()
    {
        var config = ExampleConfig.Load();
        var time = new ManualTime();
        var monitor = new PortMonitor(config.Switches[0], time);
        monitor.Update(config);
        time.Ticks += TimeSpan.FromSeconds(5).Ticks;
        Assert.Empty(monitor.Judge(TimeSpan.FromSeconds(3)));

        // web1 answers: the port is judged from now on, and its silent neighbours are the ones gone.
        var reply = PortMonitor.ArpRequest([0, 0, 0, 0, 1, 0x11], IPAddress.Parse("10.0.1.11"), IPAddress.Parse("10.0.1.1"));
        reply[21] = 2;
        Assert.True(monitor.Answered(2, reply));
        Assert.False(monitor.Answered(1, reply));
        var verdicts = monitor.Judge(TimeSpan.FromSeconds(3));
        Assert.Null(verdicts["web1"]);
        Assert.Contains("the host is gone, the port works", verdicts["web2"]);
        time.Ticks += TimeSpan.FromSeconds(4).Ticks;
        Assert.Contains("the port or its link is down", monitor.Judge(TimeSpan.FromSeconds(3))["web1"]);
    }

    // A group's switch probes from 0.0.0.0 (so a standby never points a neighbour at itself) and watches its uplinks;
    // a Linux neighbour's answer to such a probe is addressed to 0.0.0.0.
    [Fact]
    public void GroupMember_ProbesFromTheUnspecifiedAddress_JudgesItsUplink()
    {
        var config = ExampleConfig.Load(y => y.Replace("    router_mac: 00:aa:00:00:00:01",
            "    virtual_mac: 00:00:5e:00:01:01\n    uplinks: [{port: 1, neighbor: 10.0.0.2}]\n    standby:\n      - {name: s2, address: \"127.0.0.1:9560\", router_mac: \"00:aa:00:00:00:02\"}\n    router_mac: 00:aa:00:00:00:01"));
        var time = new ManualTime();
        var monitor = new PortMonitor(config.Switches[1], time);
        monitor.Update(config);
        var uplink = Assert.Single(monitor.Targets, t => t.Uplink);
        Assert.Equal(("uplink 1 (10.0.0.2)", 1u), (uplink.Backend, uplink.Port));
        var (port, frame) = monitor.Probes().Single(p => p.Port == 1);
        Assert.Equal("ffffffffffff00aa0000000208060001080006040001" + "00aa00000002" + "00000000" + "000000000000" + "0a000002", Convert.ToHexStringLower(frame));

        var reply = PortMonitor.ArpRequest([0, 0, 0, 0, 0, 2], IPAddress.Parse("10.0.0.2"), IPAddress.Any);
        reply[21] = 2;
        time.Ticks += TimeSpan.FromSeconds(1).Ticks;
        Assert.True(monitor.Answered(1, reply));
        Assert.Null(monitor.Judge(TimeSpan.FromSeconds(1))["uplink 1 (10.0.0.2)"]);
        time.Ticks += TimeSpan.FromSeconds(2).Ticks;
        Assert.Contains("the port or its link is down", monitor.Judge(TimeSpan.FromSeconds(1))["uplink 1 (10.0.0.2)"]);
    }
}
