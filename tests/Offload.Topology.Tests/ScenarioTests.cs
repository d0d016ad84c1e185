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
    public async Task Scenario_PassesOnTheDefaultTopology(string name)
    {
        Assert.True(Shell.IsRoot, "topology tests need root (network namespaces, veth pairs); make test runs as root in CI");
        using var topology = new TestTopology();
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
    }
}
