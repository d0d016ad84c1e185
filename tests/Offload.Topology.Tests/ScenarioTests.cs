using Offload.Tests.Common.Topology;
using Offload.Tests.Common.Live;
using Offload.Topology.Running;
using Offload.Topology.Scenarios;
using Xunit;
using Xunit.Abstractions;

namespace Offload.Topology.Tests;

/// <summary>
/// The scripted topology tests of the default topology: real hosts in network namespaces, offload-sim on veth
/// pairs, the controller process, real TCP from client namespaces. Each scenario gets a fresh topology.
/// </summary>
[Collection(TopologyCollection.Name)]
public sealed class ScenarioTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("spread")]
    [InlineData("failover")]
    [InlineData("pool-change")]
    [InlineData("acl")]
    [InlineData("controller-restart")]
    [InlineData("distribution")]
    [InlineData("ipv6")]
    public async Task Scenario_PassesOnTheDefaultTopology(string name) => await RunAsync(name, new DefaultTopologyCopy());

    /// <summary>Two controllers on the default topology: the primary killed under load, the backup takes over, nothing is lost.</summary>
    [Fact]
    public async Task ControllerFailover_BackupTakesOver_NothingLost()
    {
        var result = await RunAsync("controller-failover", new DefaultTopologyCopy(standbyController: true));
        Assert.InRange(result.Figures["failover ms"], 0, 2000);
    }

    /// <summary>An active/standby pair of switches: the active one killed, or its uplink cut, under load; the standby takes over, nothing is lost.</summary>
    [Theory]
    [InlineData("switch-failover")]
    [InlineData("uplink-failover")]
    public async Task SwitchPair_StandbyTakesOver_NothingLost(string name) => await RunAsync(name, new DefaultTopologyCopy(standbySwitch: true));

    /// <summary>etcd, where the connection table is replicated, killed under load and started again: nothing is lost, the table catches up.</summary>
    [Fact]
    public async Task EtcdRestart_NothingLost_TableCatchesUp() => await RunAsync("etcd-restart", new DefaultTopologyCopy(etcd: true));

    /// <summary>One VIP:443 for TLS, SOCKS5, HTTP and a VPN-like stream: real clients, each spliced to its own pool.</summary>
    [Fact]
    public async Task Multiplex_EachProtocolToItsPool_BytesIntact() => await RunAsync("multiplex", new DefaultTopologyCopy(multiplex: true));

    /// <summary>The controller-classify path with real TCP: each SYN goes to the controller, which picks by weighted round robin and releases it.</summary>
    [Fact]
    public async Task Spread_ControllerClassifiedWeightedRoundRobin_SharesExact()
    {
        var result = await RunAsync("spread", new DefaultTopologyCopy(c => c.Replace(
            "port: 80\n    mode: dataplane_select\n    algorithm: maglev", "port: 80\n    mode: controller_classify\n    algorithm: weighted_round_robin")));
        foreach (var backend in new[] { "web1", "web2", "web3" })
            Assert.InRange(result.Figures[$"share of {backend}"], result.Figures[$"weight share of {backend}"] - 0.02, result.Figures[$"weight share of {backend}"] + 0.02);
    }

    private async Task<ScenarioResult> RunAsync(string name, DefaultTopologyCopy topology)
    {
        Assert.True(Shell.IsRoot, "topology tests need root (network namespaces, veth pairs); make test runs as root in CI");
        using var _ = topology;
        var log = new List<string>();
        void Log(string line)
        {
            lock (log)
                log.Add(line);
            output.WriteLine(line);
        }
        ScenarioResult result;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using (var run = await TopologyRun.UpAsync(topology.Spec, topology.Prefix, Log, timeout.Token))
            result = await ScenarioCatalog.Find(name)!.RunAsync(run, Log, timeout.Token);
        output.WriteLine(result.Summary());
        Assert.True(result.Passed, result.Summary());
        Assert.DoesNotContain(topology.Prefix, Shell.Check("ip", "netns", "list"));
        Assert.DoesNotContain(topology.Prefix, Shell.Check("ip", "-o", "link", "show"));
        return result;
    }
}
