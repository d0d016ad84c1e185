using Microsoft.Extensions.Logging.Abstractions;
using Offload.Controller.Configuration;
using Offload.Controller.Hosting;
using Offload.Controller.LoadBalancing;
using Offload.Controller.Switches;
using Offload.P4Runtime.Session;
using Offload.Tests.Common;
using Offload.Tests.Common.Live;
using Offload.Tests.Common.Packets;
using Offload.Tests.Common.Simulator;
using Xunit;

namespace Offload.Controller.Tests.Cluster;

/// <summary>Two controllers electing a switch's primary through a real etcd, on an in-process offload-sim.</summary>
public sealed class SwitchElectionTests
{
    private static ControllerHost Start(SimulatorHarness sim, EtcdProcess etcd, string name, ulong configuredId)
    {
        var yaml = ExampleConfig.OnSimulator(ExampleConfig.Yaml, sim).Replace("election_id: 10", $"election_id: {configuredId}")
                   + $"\ncontroller:\n  name: {name}\n  etcd: {etcd.Address}\n  election: etcd\n  election_ttl: 2s\n";
        return ControllerHost.Start(ConfigLoader.Load(yaml, $"{name}.yaml", n => new LoadBalancingPolicyRegistry().TryGet(n, out _)), RepoPaths.Root,
            new LoadBalancingPolicyRegistry(), new SwitchAgentOptions(), NullLoggerFactory.Instance, yaml, $"{name}.yaml");
    }

    private static string Syn(int clientPort) =>
        $"Ether(dst=\"02:00:00:00:00:01\", src=\"00:00:00:00:00:02\")/IP(src=\"10.0.0.2\", dst=\"10.0.100.1\")/TCP(sport={clientPort}, dport=80, flags=\"S\")";

    [Fact]
    public async Task LeaderArbitratesWithItsRevision_SuccessorWinsAboveIt_AfterTheLeaderIsKilled()
    {
        using var etcd = await EtcdProcess.StartAsync();
        await using var sim = await SimulatorHarness.StartAsync();
        var first = Start(sim, etcd, "c1", configuredId: 5);
        var agent = first.Agents[0];
        await Eventually.WaitUntil(() => agent.IsReady && agent.ElectionId.High == 1, TimeSpan.FromSeconds(10));
        var firstId = agent.ElectionId;

        // The second controller has the higher configured id, but etcd elected the first: it stays a backup.
        await using var second = Start(sim, etcd, "c2", configuredId: 9);
        var successor = second.Agents[0];
        await Eventually.WaitUntil(() => successor.IsConnected, TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(("backup", new ElectionId(0, 9)), (successor.State, successor.ElectionId));
        Assert.True(agent.IsReady);

        // The first goes as a SIGKILL would: no resignation, its lease runs out. The second is elected above it and plumbs.
        await first.DisposeAsync();
        await Eventually.WaitUntil(() => successor.IsReady && successor.ElectionId.High == 1, TimeSpan.FromSeconds(15));
        Assert.True(successor.ElectionId > firstId, $"{successor.ElectionId} after {firstId}");
        sim.Inject(1, ScapyPacket.Build(Syn(46000)));
        await Eventually.WaitUntil(() => successor.Connections == 1);
    }
}
