using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Offload.Controller.Cluster;
using Offload.Controller.Configuration;
using Offload.Controller.Hosting;
using Offload.Controller.LoadBalancing;
using Offload.Controller.Management;
using Offload.Controller.Switches;
using Offload.Tests.Common;
using Offload.Tests.Common.Live;
using Offload.Tests.Common.Simulator;
using Xunit;

namespace Offload.Controller.Tests.Hosting;

/// <summary>Cluster configuration: a master, a follower of it on the same switch, versions that only go up.</summary>
public sealed class ClusterConfigurationTests
{
    private static string Yaml(SimulatorHarness sim, ulong election, long version, string controller, string pool = "web1, web2, web3") =>
        ExampleConfig.OnSimulator(ExampleConfig.Yaml, sim).Replace("election_id: 10", $"election_id: {election}")
            .Replace("pool: [web1, web2, web3]", $"pool: [{pool}]")
        + $"\ncontroller:\n  heartbeat: 100ms\n  config_version: {version}\n{controller}";

    private static ControllerHost Start(string yaml, string name) =>
        ControllerHost.Start(ConfigLoader.Load(yaml, name, n => new LoadBalancingPolicyRegistry().TryGet(n, out _)), RepoPaths.Root,
            new LoadBalancingPolicyRegistry(), new SwitchAgentOptions(), NullLoggerFactory.Instance, yaml, name);

    [Fact]
    public async Task Follower_TakesTheMastersNewerVersionAsPending_ActivatesIt_RefusesStaleOnes()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var (a, b) = ($"127.0.0.1:{FreePorts.Next()}", $"127.0.0.1:{FreePorts.Next()}");
        await using var master = Start(Yaml(sim, 10, 1, "  name: c1\n"), "master.yaml");
        await using var follower = Start(Yaml(sim, 5, 0, $"  name: c2\n  config_master: {a}\n", pool: "web1"), "follower.yaml");
        await using var app1 = await AdminApi.StartAsync(master, a, CancellationToken.None);
        await using var app2 = await AdminApi.StartAsync(follower, b, CancellationToken.None);

        // The master's version 1 arrives as pending; nothing changes until it is activated.
        await Eventually.WaitUntil(() => follower.Cluster.Pending is { Version: 1 });
        Assert.Equal(["web1"], follower.Configured.Vips[0].Pool);
        var status = ProgramProcess.Run("offloadctl.dll", "config", "status", "--controller", b);
        Assert.True(status.ExitCode == 0, status.Output);
        Assert.Contains($"follows the configuration of {a}", status.Output);
        Assert.Matches(@"pending +1 +[0-9a-f]{12}… +master\.yaml", status.Output);
        var diff = ProgramProcess.Run("offloadctl.dll", "config", "diff", "--controller", b);
        Assert.Contains("~ vip web: pool web1 → web1, web2, web3", diff.Output);
        Assert.DoesNotContain("election_id", diff.Output);

        var activate = ProgramProcess.Run("offloadctl.dll", "config", "activate", "--controller", b);
        Assert.True(activate.ExitCode == 0, activate.Output);
        Assert.Equal(["web1", "web2", "web3"], follower.Configured.Vips[0].Pool);
        Assert.Equal(5ul, follower.Configured.Switches[0].ElectionId);
        Assert.Equal("c2", follower.Configured.Controller.Name);
        Assert.Equal(1, follower.Cluster.Active.Version);
        Assert.Equal(master.Cluster.Active.Checksum, follower.Cluster.Active.Checksum);
        Assert.Null(follower.Cluster.Pending);
        Assert.Contains("no pending configuration", ProgramProcess.Run("offloadctl.dll", "config", "activate", "--controller", b).Output);

        // The master refuses an older version, and the same version with other content; the follower refuses a local apply.
        var stale = Yaml(sim, 10, 0, "  name: c1\n", pool: "web2");
        var refused = await Assert.ThrowsAsync<ConfigException>(() => master.ApplyAsync(ConfigLoader.Load(stale, "stale.yaml", _ => true), yaml: stale));
        Assert.Contains("older than the active version 1", refused.Message + string.Join(";", refused.Errors));
        var same = Yaml(sim, 10, 1, "  name: c1\n", pool: "web2");
        Assert.Contains("raise controller.config_version", string.Join(";", (await Assert.ThrowsAsync<ConfigException>(() =>
            master.ApplyAsync(ConfigLoader.Load(same, "same.yaml", _ => true), yaml: same))).Errors));
        Assert.Contains("follows the configuration of", string.Join(";", (await Assert.ThrowsAsync<ConfigException>(() =>
            follower.ApplyAsync(follower.Configured))).Errors));

        // A newer version on the master becomes pending again.
        var next = Yaml(sim, 10, 2, "  name: c1\n", pool: "web1, web2");
        await master.ApplyAsync(ConfigLoader.Load(next, "master.yaml", _ => true), yaml: next, name: "master.yaml");
        await Eventually.WaitUntil(() => follower.Cluster.Pending is { Version: 2 });
    }

    [Fact]
    public void Offer_BadChecksumOrStaleVersion_RefusedWithReason()
    {
        var yaml = ExampleConfig.Yaml + "\ncontroller:\n  config_version: 3\n  config_master: 127.0.0.1:1\n";
        var cluster = new ClusterConfiguration(ExampleConfig.Load(_ => yaml), yaml, "follower.yaml", _ => true);
        var older = ExampleConfig.Yaml + "\ncontroller:\n  config_version: 2\n";
        Assert.False(cluster.Offer(new ConfigEnvelope(2, ClusterConfiguration.Checksum(older), "m.yaml", older)));
        Assert.Contains("older than the active version 3", cluster.LastRefusal);
        var newer = ExampleConfig.Yaml + "\ncontroller:\n  config_version: 4\n";
        Assert.False(cluster.Offer(new ConfigEnvelope(4, new string('0', 64), "m.yaml", newer)));
        Assert.Contains("does not match its content", cluster.LastRefusal);
        var broken = newer.Replace("port: 80", "port: 80000");
        Assert.False(cluster.Offer(new ConfigEnvelope(4, ClusterConfiguration.Checksum(broken), "m.yaml", broken)));
        Assert.Contains("does not load here", cluster.LastRefusal);
        Assert.True(cluster.Offer(new ConfigEnvelope(4, ClusterConfiguration.Checksum(newer), "m.yaml", newer)));
        Assert.Null(cluster.LastRefusal);
        Assert.Equal("127.0.0.1:1", cluster.Pending!.Config.Controller.ConfigMaster);
    }
}
