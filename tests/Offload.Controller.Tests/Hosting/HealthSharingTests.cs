using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Offload.Controller.Configuration;
using Offload.Controller.Health;
using Offload.Controller.Health.Sharing;
using Offload.Controller.Hosting;
using Offload.Controller.LoadBalancing;
using Offload.Controller.Management;
using Offload.Controller.Switches;
using Offload.Tests.Common;
using Offload.Tests.Common.Live;
using Offload.Tests.Common.Simulator;
using Xunit;

namespace Offload.Controller.Tests.Hosting;

/// <summary>Two controllers of one switch (primary and backup) keeping copies of each other's health tables.</summary>
public sealed class HealthSharingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("offload-sharing-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static OffloadConfig Config(SimulatorHarness sim, string name, ulong election, string peer, string flag) => ExampleConfig.Load(y => ExampleConfig.OnSimulator(y, sim)
        .Replace("election_id: 10", $"election_id: {election}")
        .Replace("    weight: 1\n  - name: web2", "    weight: 1\n    health_check: flag\n  - name: web2") + $"""

        health_checks:
          - name: flag
            type: script
            command: /bin/sh
            arguments: ["-c", "test -e {flag}"]
            interval: 100ms
            timeout: 90ms
        controller:
          name: {name}
          peers: [{peer}]
          heartbeat: 100ms
        """);

    [Fact]
    public async Task ChangedTable_PeerFetchesTheSnapshot_CopiesMatchTheOwners()
    {
        var flag = Path.Combine(_dir, "up");
        File.WriteAllText(flag, "");
        await using var sim = await SimulatorHarness.StartAsync();
        var (a, b) = ($"127.0.0.1:{FreePorts.Next()}", $"127.0.0.1:{FreePorts.Next()}");
        var policies = new LoadBalancingPolicyRegistry();
        await using var c1 = ControllerHost.Start(Config(sim, "c1", 10, b, flag), RepoPaths.Root, policies, new SwitchAgentOptions(), NullLoggerFactory.Instance);
        await using var c2 = ControllerHost.Start(Config(sim, "c2", 5, a, flag), RepoPaths.Root, policies, new SwitchAgentOptions(), NullLoggerFactory.Instance);
        await using var app1 = await AdminApi.StartAsync(c1, a, CancellationToken.None);
        await using var app2 = await AdminApi.StartAsync(c2, b, CancellationToken.None);

        await Eventually.WaitUntil(() => c2.PeerHealth.Peers() is [{ Controller: "c1" } p] && p.Checksum == c1.OwnHealth().Checksum
                                         && c1.PeerHealth.Peers() is [{ Controller: "c2" }]);
        var before = c2.PeerHealth.Peers()[0].Snapshots;

        File.Delete(flag);
        await Eventually.WaitUntil(() => c1.Health.Snapshot().Single(h => h.Backend == "web1").State == HealthState.HoldDown, TimeSpan.FromSeconds(5));
        await Eventually.WaitUntil(() => c2.PeerHealth.Peers()[0].Records.Single(r => r.Backend == "web1").State == "HOLD_DOWN" && c2.PeerHealth.Peers()[0].Checksum == c1.OwnHealth().Checksum,
            TimeSpan.FromSeconds(5));
        Assert.True(c2.PeerHealth.Peers()[0].Snapshots > before);
        // The copy is a copy: c2's own table comes from its own probes.
        Assert.Equal(a, c2.PeerHealth.Peers()[0].Address);

        var table = ProgramProcess.Run("offloadctl.dll", "peers", "--controller", b);
        Assert.True(table.ExitCode == 0, table.Output);
        Assert.Matches(@"c1 .* 127\.0\.0\.1:\d+ .* [0-9a-f]{12}… .* 3 .* web1 \(HOLD_DOWN\)", table.Output);

        using var http = new HttpClient();
        var stranger = await http.PostAsync($"http://{b}/api/health/heartbeat",
            new StringContent("{\"controller\":\"x\",\"address\":\"10.9.9.9:1\",\"checksum\":\"00\"}"));
        Assert.Equal(HttpStatusCode.Forbidden, stranger.StatusCode);
        var garbage = await http.PostAsync($"http://{b}/api/health/heartbeat", new StringContent("{\"controller\":"));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Contains("offload_health_peer_snapshots_total{peer=\"c1\"}", await http.GetStringAsync($"http://{b}/metrics"));
    }

    [Fact]
    public void Snapshot_WhoseChecksumLies_IsRefused()
    {
        var cache = new HealthCache(TimeProvider.System);
        var records = new[] { new HealthRecord("web1", "UP", 1, "ok", null, null, null, null) };
        cache.Store("127.0.0.1:1", new HealthSnapshot("c1", HealthCache.Checksum(records), records));
        Assert.Throws<FormatException>(() => cache.Store("127.0.0.1:1", new HealthSnapshot("c1", HealthCache.Checksum(records), [records[0] with { State = "HOLD_DOWN" }])));
        Assert.Equal("UP", cache.Peers().Single().Records.Single().State);
        Assert.NotEqual(HealthCache.Checksum(records), HealthCache.Checksum([records[0] with { Reason = "other" }]));
    }
}
