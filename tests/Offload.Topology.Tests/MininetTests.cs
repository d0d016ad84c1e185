using Offload.Tests.Common.Topology;
using Offload.Tests.Common;
using Offload.Tests.Common.Live;
using Xunit;

namespace Offload.Topology.Tests;

/// <summary>topologies/mininet/offload_mininet.py runs the default topology in Mininet with offload-sim as the P4 switch.</summary>
[Collection(TopologyCollection.Name)]
public sealed class MininetTests
{
    [Fact]
    public void DefaultTopology_InMininet_VipAnsweredBySeveralBackends()
    {
        Assert.True(Shell.IsRoot, "Mininet needs root");
        Assert.True(File.Exists("/usr/bin/mnexec"), "mininet is missing: run scripts/deps.sh test");
        using var topology = new DefaultTopologyCopy();
        var logs = Path.Combine(Path.GetDirectoryName(topology.Path)!, "logs");
        var (code, output) = Shell.Run("/usr/bin/python3", RepoPaths.Get("topologies", "mininet", "offload_mininet.py"), topology.Path,
            "--programs", AppContext.BaseDirectory, "--check", "--log-dir", logs);
        var controllerLog = Path.Combine(logs, "controller-c1.log");
        Assert.True(code == 0, $"{output}\n{(File.Exists(controllerLog) ? File.ReadAllText(controllerLog) : "")}");
        Assert.Matches(@"answers: .*web1: \d+", output);
        Assert.DoesNotContain("s1-eth1", Shell.Check("ip", "-o", "link", "show"));
    }
}
