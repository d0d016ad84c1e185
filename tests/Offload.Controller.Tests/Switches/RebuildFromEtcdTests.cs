using Microsoft.Extensions.Logging.Abstractions;
using Offload.Controller.Classification;
using Offload.Controller.Cluster;
using Offload.Controller.Configuration;
using Offload.Controller.Pipeline;
using Offload.Controller.Switches;
using Offload.Grpc.Client;
using Offload.Tests.Common;
using Offload.Tests.Common.Live;
using Offload.Tests.Common.Packets;
using Offload.Tests.Common.Simulator;
using Xunit;

namespace Offload.Controller.Tests.Switches;

/// <summary>A switch that lost its state (replaced, or restarted) is rebuilt from the connection table replicated to etcd.</summary>
public sealed class RebuildFromEtcdTests
{
    private static string Syn(int clientPort, string flags = "S") =>
        $"Ether(dst=\"02:00:00:00:00:01\", src=\"00:00:00:00:00:02\")/IP(src=\"10.0.0.2\", dst=\"10.0.100.1\")/TCP(sport={clientPort}, dport=80, flags=\"{flags}\")";

    [Fact]
    public async Task SwitchLostItsState_ANewControllerRebuildsEveryConnection()
    {
        using var etcd = await EtcdProcess.StartAsync();
        using var channel = GrpcChannel.ForAddress(etcd.Address);
        await using var sim = await SimulatorHarness.StartAsync();
        var config = ExampleConfig.Load(y => ExampleConfig.OnSimulator(y, sim));
        var options = new SwitchAgentOptions { Etcd = new EtcdClient(channel) };
        SwitchAgent Agent(OffloadConfig config) => new(config, config.Switches[0], sim.P4Info, null, new Classifier(config, ExampleConfig.Policies), options, NullLoggerFactory.Instance);
        List<byte[]> backends;

        using (var stop = new CancellationTokenSource())
        {
            await using var first = Agent(config);
            _ = first.RunAsync(stop.Token);
            await Eventually.WaitUntil(() => first.IsReady);
            backends = Enumerable.Range(45000, 20).Select(port => Assert.Single(sim.Inject(1, ScapyPacket.Build(Syn(port)))).Packet.AsSpan(30, 4).ToArray()).ToList();
            await Eventually.WaitUntil(() => first.Connections == 20 && first.Replication!.Pending == 0 && first.Replication.Written >= 20);
            stop.Cancel();
        }

        // The switch loses everything (a new pipeline clears its tables), with the controller gone.
        var wipe = await sim.Controller.PrimaryAsync(10);
        await sim.Controller.Client(10).SetPipelineAsync(sim.P4Info.P4Info, null);
        await wipe.DisposeAsync();
        Assert.Empty(await sim.Controller.Client(1).ReadAsync([OffloadP4.WholeTable(sim.P4Info, OffloadP4.ConnV4)]).ToListAsync());

        // The new controller's pool selects web3 alone: only the rebuilt entries can send the connections where they went.
        await using var second = Agent(ExampleConfig.Load(y => ExampleConfig.OnSimulator(y, sim).Replace("pool: [web1, web2, web3]", "pool: [web3]")));
        Assert.Contains(backends, b => !b.SequenceEqual(System.Net.IPAddress.Parse("10.0.1.13").GetAddressBytes()));
        using var running = new CancellationTokenSource();
        _ = second.RunAsync(running.Token);
        await Eventually.WaitUntil(() => second.IsReady && second.Connections == 20, TimeSpan.FromSeconds(10));
        Assert.Equal(20, (await sim.Controller.Client(1).ReadAsync([OffloadP4.WholeTable(sim.P4Info, OffloadP4.ConnV4)]).ToListAsync()).Count);

        // Each connection's next packet goes where its SYN went, though the pool's selection knows nothing of it.
        foreach (var (port, backend) in Enumerable.Range(45000, 20).Zip(backends))
            Assert.Equal(backend, Assert.Single(sim.Inject(1, ScapyPacket.Build(Syn(port, "A")))).Packet.AsSpan(30, 4).ToArray());
        running.Cancel();
    }
}
