using Microsoft.Extensions.Logging.Abstractions;
using Offload.Controller.Classification;
using Offload.Controller.Configuration;
using Offload.Controller.LoadBalancing;
using Offload.Controller.Switches;
using Offload.Tests.Common;
using Offload.Tests.Common.Packets;
using Offload.Tests.Common.Simulator;
using Xunit;

namespace Offload.Controller.Tests.Switches;

/// <summary>A switch agent driving offload-sim: it reconciles, then plumbs connections in both modes.</summary>
public sealed class SwitchAgentTests : IAsyncLifetime
{
    private static readonly LoadBalancingPolicyRegistry Policies = new();
    private SimulatorHarness _sim = null!;
    private readonly CancellationTokenSource _stop = new();

    public async Task InitializeAsync() => _sim = await SimulatorHarness.StartAsync();

    public async Task DisposeAsync()
    {
        _stop.Cancel();
        await _sim.DisposeAsync();
    }

    private static string Syn(int clientPort) =>
        $"Ether(dst=\"02:00:00:00:00:01\", src=\"00:00:00:00:00:02\")/IP(src=\"10.0.0.2\", dst=\"10.0.100.1\")/TCP(sport={clientPort}, dport=80, flags=\"S\")";

    private async Task<(SwitchAgent Agent, Classifier Classifier, Task Run)> StartAsync(Func<string, string> edit, CancellationToken? stop = null,
        SwitchAgentOptions? options = null)
    {
        var config = Load(edit);
        var classifier = new Classifier(config, Policies);
        var agent = new SwitchAgent(config, config.Switches[0], _sim.P4Info, null, classifier, options ?? new SwitchAgentOptions(), NullLoggerFactory.Instance);
        var run = agent.RunAsync(stop ?? _stop.Token);
        await Eventually.WaitUntil(() => agent.IsReady);
        return (agent, classifier, run);
    }

    [Fact]
    public async Task DataplaneSelect_DigestPinsTheConnection()
    {
        var (agent, classifier, _) = await StartAsync(y => y.Replace("pool: [web1, web2, web3]", "pool: [web1]"));
        await using var _ = agent;
        Assert.True(agent.LastReconcile!.Inserted > 10);

        var sent = Assert.Single(_sim.Inject(1, ScapyPacket.Build(Syn(41000))));
        Assert.Equal(2u, sent.Port);
        await Eventually.WaitUntil(() => agent.Connections == 1);
        Assert.Equal(1, classifier.Backends[1].ActiveConnections);
    }

    // The client's FIN reaches the controller by digest: the connection stops counting for least connections at once,
    // its entry's idle timeout becomes the closing timeout, and it is removed when that runs out (counted once).
    [Theory]
    [InlineData("FA")]
    [InlineData("R")]
    public async Task ClientFinOrRst_ShortensTheTimeout_AndStopsCountingTheConnection(string flags)
    {
        var options = new SwitchAgentOptions { ConnectionIdleTimeout = TimeSpan.FromMinutes(5), ClosingIdleTimeout = TimeSpan.FromSeconds(1) };
        var (agent, classifier, _) = await StartAsync(y => y.Replace("pool: [web1, web2, web3]", "pool: [web1]"), options: options);
        await using var _ = agent;
        _sim.Inject(1, ScapyPacket.Build(Syn(43000)));
        _sim.Inject(1, ScapyPacket.Build(Syn(43001)));
        await Eventually.WaitUntil(() => agent.Connections == 2);
        Assert.Equal(2, classifier.Backends[1].ActiveConnections);

        var end = $"Ether(dst=\"02:00:00:00:00:01\", src=\"00:00:00:00:00:02\")/IP(src=\"10.0.0.2\", dst=\"10.0.100.1\")/TCP(sport=43000, dport=80, flags=\"{flags}\")";
        Assert.Equal(2u, Assert.Single(_sim.Inject(1, ScapyPacket.Build(end))).Port);
        await Eventually.WaitUntil(() => classifier.Backends[1].ActiveConnections == 1);
        Assert.Equal(1, agent.Stats.ConnectionsEnded);
        Assert.Equal(1, agent.ConnectionTable.PerVip()[1]);
        var entries = await _sim.Controller.Client(1).ReadAsync([Offload.Controller.Pipeline.OffloadP4.WholeTable(_sim.P4Info, Offload.Controller.Pipeline.OffloadP4.ConnV4)]).ToListAsync();
        Assert.Equal([1_000_000_000L, 300_000_000_000L], entries.Select(e => e.TableEntry.IdleTimeoutNs).Order());

        // A repeated FIN changes nothing; the entry ages out after the closing timeout, the other stays.
        _sim.Inject(1, ScapyPacket.Build(end));
        await Eventually.WaitUntil(() => agent.Connections == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(1, classifier.Backends[1].ActiveConnections);
        Assert.Equal(1, agent.Stats.ConnectionsEnded);
    }

    // An IPv6 VIP and interface: offload.p4 punts a neighbor solicitation for them (ACL), the controller advertises the
    // VMAC (or the router MAC, with the router flag) out of the port the solicitation came in on, byte for byte what scapy builds.
    [Theory]
    [InlineData("2001:db8:100::1", "ff02::1:ff00:1", "02:00:00:00:00:09", "R=0")]
    [InlineData("2001:db8::1", "ff02::1:ff00:1", "00:aa:00:00:00:01", "R=1")]
    [InlineData("2001:db8:100::1", "2001:db8:100::1", "02:00:00:00:00:09", "R=0")]
    public async Task NeighborSolicitation_ForVipOrInterface_Advertised(string target, string destination, string mac, string router)
    {
        var (agent, _, _) = await StartAsync(y => y
            .Replace("      - port: 2\n        address: 10.0.1.1/24", "      - port: 2\n        address: 10.0.1.1/24\n      - port: 1\n        address: 2001:db8::1/64")
            .Replace("vips:\n", "vips:\n  - name: web6\n    id: 9\n    address: 2001:db8:100::1\n    vmac: 02:00:00:00:00:09\n    protocol: tcp\n    port: 80\n    pool: [web6a]\n")
            .Replace("backends:\n", "backends:\n  - name: web6a\n    address: 2001:db8:1::11\n    port: 8080\n    mac: 00:00:00:00:01:11\n    switch_port: 2\n"));
        await using var _ = agent;
        var solicitation = $"Ether(dst=\"33:33:ff:00:00:01\", src=\"00:00:00:00:00:02\")/IPv6(src=\"2001:db8::2\", dst=\"{destination}\", hlim=255)" +
            $"/ICMPv6ND_NS(tgt=\"{target}\")/ICMPv6NDOptSrcLLAddr(lladdr=\"00:00:00:00:00:02\")";
        var expected = $"Ether(dst=\"00:00:00:00:00:02\", src=\"{mac}\")/IPv6(src=\"{target}\", dst=\"2001:db8::2\", hlim=255)" +
            $"/ICMPv6ND_NA(tgt=\"{target}\", {router}, S=1, O=1)/ICMPv6NDOptDstLLAddr(lladdr=\"{mac}\")";
        var other = solicitation.Replace(target, "2001:db8:100::77").Replace(destination, "ff02::1:ff00:77");
        var packets = await Scapy.BuildAsync(solicitation, expected, other);
        Assert.DoesNotContain(_sim.Inject(1, packets[0]), o => o.Port != 255);
        var advertised = await _sim.NextSentAsync(1, TimeSpan.FromSeconds(10));
        Assert.Equal(Convert.ToHexString(packets[1]), Convert.ToHexString(advertised!));

        // A solicitation for an address that is not ours is not punted (no rule) and gets no answer.
        _sim.Inject(1, packets[2]);
        Assert.Null(await _sim.NextSentAsync(1, TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task ControllerClassify_FirstPacketHeldAndForwarded_RoundRobin()
    {
        var (agent, classifier, _) = await StartAsync(y => y
            .Replace("mode: dataplane_select", "mode: controller_classify")
            .Replace("algorithm: maglev", "algorithm: round_robin"));
        await using var _ = agent;

        var backends = new List<uint>();
        for (var port = 42000; port < 42003; port++)
        {
            Assert.DoesNotContain(_sim.Inject(1, ScapyPacket.Build(Syn(port))), o => o.Port != 255);
            var forwarded = await _sim.NextSentAsync(2, TimeSpan.FromSeconds(10));
            Assert.NotNull(forwarded);
            backends.Add(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(forwarded.AsSpan(30)));
        }
        Assert.Equal(new[] { "10.0.1.11", "10.0.1.12", "10.0.1.13" }.Select(ScapyPacket.Ipv4).Order(), backends.Order());
        await Eventually.WaitUntil(() => agent.Connections == 3);
        Assert.All(classifier.Backends.Values, b => Assert.Equal(1, b.ActiveConnections));
    }

    [Fact]
    public async Task DataplaneSelect_PortDown_SelectorSkipsItsBackendsBeforeAnyWrite()
    {
        Func<string, string> web3OnPort3 = y => y.Replace("pool: [web1, web2, web3]", "pool: [web1, web3]")
            .Replace("mac: 00:00:00:00:01:13\n    switch_port: 2", "mac: 00:00:00:00:01:13\n    switch_port: 3");
        var (agent, _, _) = await StartAsync(web3OnPort3);
        await using var _ = agent;
        IEnumerable<uint> Ports(int first) => Enumerable.Range(first, 40).Select(p => Assert.Single(_sim.Inject(1, ScapyPacket.Build(Syn(p)))).Port);
        Assert.Equal([2u, 3u], Ports(48000).Distinct().Order());

        _sim.SetPortUp(3, false);
        Assert.All(Ports(48100), p => Assert.Equal(2u, p));
        _sim.SetPortUp(3, true);
        Assert.Contains(3u, Ports(48200));
        var again = await agent.ApplyAsync(Load(web3OnPort3));
        Assert.Equal(0, again!.Inserted + again.Deleted + again.Modified);
    }

    private static string WithoutWeb1(string yaml) =>
        yaml.Replace(yaml[yaml.IndexOf("  - name: web1", StringComparison.Ordinal)..yaml.IndexOf("  - name: web2", StringComparison.Ordinal)], "")
            .Replace("pool: [web1, web2, web3]", "pool: [web2]");

    private static string Ack(int clientPort) => Syn(clientPort).Replace("flags=\"S\"", "flags=\"A\"");

    [Fact]
    public async Task ControllerRestart_RecoversConnections_NoDuplicateWrites()
    {
        using var first = new CancellationTokenSource();
        var (agent, _, run) = await StartAsync(y => y.Replace("pool: [web1, web2, web3]", "pool: [web1]"), first.Token);
        _sim.Inject(1, ScapyPacket.Build(Syn(43000)));
        await Eventually.WaitUntil(() => agent.Connections == 1);
        first.Cancel();
        await agent.DisposeAsync();

        var (restarted, classifier, _) = await StartAsync(y => y.Replace("pool: [web1, web2, web3]", "pool: [web1]"));
        await using var _ = restarted;
        Assert.Equal(1, restarted.Connections);
        Assert.Equal(0, restarted.LastReconcile!.Inserted + restarted.LastReconcile.Deleted + restarted.LastReconcile.Modified);
        Assert.Equal(1, classifier.Backends[1].ActiveConnections);
    }

    [Fact]
    public async Task BackendRemovedFromConfig_ItsConnectionKeepsFlowing()
    {
        using var first = new CancellationTokenSource();
        var (agent, _, _) = await StartAsync(y => y.Replace("pool: [web1, web2, web3]", "pool: [web1]"), first.Token);
        _sim.Inject(1, ScapyPacket.Build(Syn(44000)));
        await Eventually.WaitUntil(() => agent.Connections == 1);
        first.Cancel();
        await agent.DisposeAsync();

        var (reloaded, _, _) = await StartAsync(WithoutWeb1);
        await using var _ = reloaded;
        Assert.Equal(1, reloaded.Connections);
        var established = Assert.Single(_sim.Inject(1, ScapyPacket.Build(Ack(44000))));
        Assert.Equal(ScapyPacket.Ipv4("10.0.1.11"), System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(established.Packet.AsSpan(30)));
        var fresh = Assert.Single(_sim.Inject(1, ScapyPacket.Build(Syn(44001))));
        Assert.Equal(ScapyPacket.Ipv4("10.0.1.12"), System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(fresh.Packet.AsSpan(30)));
    }

    private OffloadConfig Load(Func<string, string> edit) => ConfigLoader.Load(Yaml(edit), "agent.yaml", n => Policies.TryGet(n, out _));

    private string Yaml(Func<string, string> edit) =>
        edit(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "offload.example.yaml"))
            .Replace("address: 127.0.0.1:9559", $"address: {_sim.Address}").Replace("device_id: 0", $"device_id: {SimulatorHarness.DeviceId}"));

    /// <summary>
    /// Connections arrive without pause, each SYN followed by its ACK and a data segment a few milliseconds apart
    /// (often before the controller has pinned it), while the pool grows, drains a backend, re-weights and shrinks.
    /// Every packet of every connection must reach the backend its SYN reached.
    /// </summary>
    [Fact]
    public async Task PoolChangesUnderSteadyNewConnections_NoConnectionBroken()
    {
        string[] pools =
        [
            "pool: [web1, web2]",
            "pool: [web1, web2, web3]",
            "pool: [web2, web3]",
            "pool: [web1, web2, web3]",
            "pool: [web1, web3]",
        ];
        OffloadConfig Config(int step) => ConfigLoader.Load(Yaml(y => y.Replace("pool: [web1, web2, web3]", pools[step])
                .Replace("weight: 2", step == 3 ? "weight: 5" : "weight: 2")),
            "agent.yaml", n => Policies.TryGet(n, out _));
        var (agent, _, _) = await StartAsync(y => y.Replace("pool: [web1, web2, web3]", pools[0]));
        await using var running = agent;

        uint BackendOf(string packet) =>
            _sim.Inject(1, ScapyPacket.Build(packet)).Where(o => o.Port == 2)
                .Select(o => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(o.Packet.AsSpan(30))).FirstOrDefault();

        var connections = new System.Collections.Concurrent.ConcurrentBag<(int Port, uint[] Backends)>();
        using var done = new CancellationTokenSource();
        async Task ClientAsync(int first)
        {
            var random = new Random(first);
            for (var port = first; !done.IsCancellationRequested; port++)
            {
                var seen = new uint[3];
                seen[0] = BackendOf(Syn(port));
                await Task.Delay(random.Next(0, 6));
                seen[1] = BackendOf(Ack(port));
                await Task.Delay(random.Next(0, 15));
                seen[2] = BackendOf(Ack(port).Replace("flags=\"A\")", "flags=\"PA\")/\"data\""));
                connections.Add((port, seen));
            }
        }
        var clients = Enumerable.Range(0, 8).Select(i => Task.Run(() => ClientAsync(20000 + i * 5000))).ToList();
        for (var step = 1; step < 5; step++)
        {
            await Task.Delay(300);
            await agent.ApplyAsync(Config(step));
        }
        await Task.Delay(300);
        done.Cancel();
        await Task.WhenAll(clients);

        var broken = connections.Where(c => c.Backends[0] == 0 || c.Backends.Distinct().Count() > 1).ToList();
        Assert.True(connections.Count > 200, $"only {connections.Count} connections");
        Assert.True(broken.Count == 0, $"{broken.Count} of {connections.Count} connections broken, e.g. port {broken.FirstOrDefault().Port}: "
            + string.Join(" → ", broken.FirstOrDefault().Backends ?? []));
        var reached = connections.Select(c => c.Backends[0]).ToHashSet();
        Assert.Equal(3, reached.Count);
    }

    [Fact]
    public async Task Distribution_ServiceDeliveredToTwoApplications()
    {
        var (agent, _, _) = await StartAsync(ExampleConfig.DeliveredToTwoApplications);
        await using var _ = agent;
        var outputs = _sim.Inject(1, ScapyPacket.Build(Syn(45000))).OrderBy(o => o.Port).ToList();
        Assert.Equal([2u, 3u, 4u], outputs.Select(o => o.Port));
        Assert.Equal(ScapyPacket.Ipv4("10.0.100.1"), System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(outputs[1].Packet.AsSpan(30)));
        Assert.Equal(ScapyPacket.Ipv4("10.0.4.4"), System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(outputs[2].Packet.AsSpan(30)));
        PacketAssert.ChecksumsValid(outputs[2].Packet, "impl2's copy");
    }

    [Fact]
    public async Task PolicyDeny_DropRouteWritten_LaterPacketsDieInTheSwitch()
    {
        var (agent, _, _) = await StartAsync(y => y
            .Replace("mode: dataplane_select", "mode: controller_classify")
            .Replace("pool: [web1, web2, web3]", "pool: [web1, web2, web3]\n    deny_sources: [10.0.0.0/30]"));
        await using var _ = agent;
        Assert.DoesNotContain(_sim.Inject(1, ScapyPacket.Build(Syn(47000))), o => o.Port != 255);
        await Eventually.WaitUntil(() => agent.Stats.PacketIns == 1 && agent.Stats.WriteLatency.Count >= 1);
        await Eventually.WaitUntil(() => _sim.Inject(1, ScapyPacket.Build(Ack(47000))).Count == 0);
        Assert.Equal(1, agent.Stats.PacketIns);
        Assert.Null(await _sim.NextSentAsync(2, TimeSpan.FromMilliseconds(200)));
        Assert.Equal(0, agent.Connections);
    }
}
