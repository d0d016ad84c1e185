using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Offload.AgentProtocol;
using Offload.Controller.Configuration;
using Offload.Controller.Health;
using Offload.Tests.Common;
using Xunit;

namespace Offload.Controller.Tests.Health;

/// <summary>The monitor against a real TCP service on loopback: the seeds' state machine on a real schedule.</summary>
[Collection(TimedCollection.Name)]
public sealed class HealthMonitorTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private static OffloadConfig Config(ushort port, string holdDown = "1s", string extra = "") => ExampleConfig.Load(y => y
        .Replace("    weight: 1\n  - name: web2", $"    weight: 4\n    health_check: tcp\n{extra}  - name: web2")
        .Replace("address: 10.0.1.11", "address: 127.0.0.1")
        + $"""

        health_checks:
          - name: tcp
            type: tcp
            port: {port}
            interval: 100ms
            timeout: 50ms
            hold_down: {holdDown}
        """);

    [Fact]
    public async Task KilledService_HeldDownWithinFallTimesInterval_UpOnlyAfterHoldDownAndRise()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = (ushort)((IPEndPoint)listener.LocalEndpoint).Port;
        var config = Config(port);
        var web1 = config.Backends.Single(b => b.Name == "web1");
        await using var monitor = new HealthMonitor(TimeProvider.System, NullLogger.Instance);
        var transitions = new List<(HealthTransition Transition, long Ms)>();
        var clock = Stopwatch.StartNew();
        monitor.Transitioned += (_, t) => { lock (transitions) transitions.Add((t, clock.ElapsedMilliseconds)); };
        var changes = 0;
        monitor.SelectionChanged += () => Interlocked.Increment(ref changes);
        monitor.Update(config);
        monitor.Start(CancellationToken.None);

        await Eventually.WaitUntil(() => monitor.Snapshot().Single(h => h.Backend == "web1").RecentProbes.Count(p => p.Up) >= 3);
        Assert.Equal(4, monitor.EffectiveWeight(web1, 4));

        var killedAt = clock.ElapsedMilliseconds;
        listener.Stop();
        await Eventually.WaitUntil(() => monitor.Snapshot().Single(h => h.Backend == "web1").State == HealthState.HoldDown, TimeSpan.FromSeconds(5));
        var heldDown = transitions.Single(t => t.Transition.To == HealthState.HoldDown);
        // 3 failures, the first one interval at most after the kill: within (fall + 1) × interval plus scheduling slack.
        Assert.InRange(heldDown.Ms - killedAt, 2 * Interval.TotalMilliseconds, 4 * Interval.TotalMilliseconds + 400);
        Assert.Contains("3 consecutive failures", heldDown.Transition.Reason);
        Assert.Equal(0, monitor.EffectiveWeight(web1, 4));
        Assert.True(changes >= 1);

        listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        try
        {
            await Eventually.WaitUntil(() => monitor.Snapshot().Single(h => h.Backend == "web1").State == HealthState.Up, TimeSpan.FromSeconds(5));
            var recovering = transitions.Single(t => t.Transition.To == HealthState.Recovering);
            var up = transitions.Last(t => t.Transition.To == HealthState.Up);
            // Probes are suspended for the hold-down (1 s), then 3 successes (the first one at once): at least 2 intervals more.
            // The monitor's timer and this test's stopwatch are two clocks read at different moments: allow 20 ms of skew.
            Assert.True(recovering.Ms - heldDown.Ms is >= 980 and <= 1800, string.Join("; ", transitions.Select(t => $"{t.Ms} {t.Transition.To} {t.Transition.Reason}")));
            Assert.True(up.Ms - recovering.Ms >= 2 * Interval.TotalMilliseconds - 20, $"UP {up.Ms - recovering.Ms} ms after RECOVERING");
            Assert.Equal(4, monitor.EffectiveWeight(web1, 4));
            Assert.Equal(1, monitor.Transitions[HealthState.HoldDown]);
            Assert.True(monitor.Lateness.Count >= 6, $"{monitor.Lateness.Count} probes timed");
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task AgentNotRunning_HoldsDownAtOnce_ThenHoldDownAfterItRunsAgain()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var config = Config((ushort)((IPEndPoint)listener.LocalEndpoint).Port, holdDown: "300ms", extra: "    agent: 127.0.0.1:1\n    agent_service: web\n");
        await using var monitor = new HealthMonitor(TimeProvider.System, NullLogger.Instance);
        monitor.Update(config);
        monitor.Start(CancellationToken.None);
        await Eventually.WaitUntil(() => monitor.Snapshot().Single(h => h.Backend == "web1").RecentProbes.Count >= 1);

        monitor.AgentReported("web1", ServiceState.NotRunning, new LoadReport(0.1, 0.2, 3));
        var held = monitor.Snapshot().Single(h => h.Backend == "web1");
        Assert.Equal(HealthState.HoldDown, held.State);
        Assert.Equal("node agent reports NOT RUNNING", held.Reason);
        // Suspended until the agent reports RUNNING, however long that takes.
        await Task.Delay(600);
        Assert.Equal(HealthState.HoldDown, monitor.Snapshot().Single(h => h.Backend == "web1").State);

        monitor.AgentReported("web1", ServiceState.Running, new LoadReport(0.1, 0.2, 3));
        Assert.Equal(HealthState.HoldDown, monitor.Snapshot().Single(h => h.Backend == "web1").State);
        await Eventually.WaitUntil(() => monitor.Snapshot().Single(h => h.Backend == "web1").State == HealthState.Up, TimeSpan.FromSeconds(5));
        listener.Stop();
    }

    [Theory]
    [InlineData(HealthState.Up, null, null, null, null, false, 4)]
    [InlineData(HealthState.HoldDown, null, null, null, null, false, 0)]
    [InlineData(HealthState.Recovering, null, null, null, null, false, 0)]
    [InlineData(HealthState.Up, ServiceState.Starting, null, null, null, false, 0)]
    [InlineData(HealthState.Up, null, "port 2 down", null, null, false, 0)]
    [InlineData(HealthState.Up, null, null, 7, null, false, 7)]
    [InlineData(HealthState.Up, ServiceState.Running, null, null, 0.3, true, 28)]
    [InlineData(HealthState.Up, ServiceState.Running, null, null, 0.99, true, 1)]
    [InlineData(HealthState.Up, ServiceState.Running, null, null, null, true, 40)]
    public void EffectiveWeight_FollowsStateAgentLinkScriptAndLoad(HealthState state, ServiceState? agent, string? link, int? script, double? cpu, bool fromLoad, int expected) =>
        Assert.Equal(expected, HealthWeights.Effective(4, state, agent, link, script, cpu is { } c ? new LoadReport(c, 0.1, 0) : null, fromLoad));
}
