using Offload.Tests.Common.Topology;
using Offload.Topology.Model;
using Offload.Topology.Network;
using Offload.Topology.Running;
using Offload.Topology.Scenarios;

namespace Offload.Bench;

/// <summary>
/// `bench switch-failover`: the default topology with a standby switch, 16 long-lived echo connections checked byte for
/// byte. The active switch is killed with SIGKILL, again and again (the killed one restarts and becomes the standby);
/// measured is the longest wait of any connection for its echo, as the client sees it. Baseline in the same run: the
/// same kill without a standby, the switch restarted and reprogrammed. keepalived's VRRP takeover (3 × advert_int
/// + skew, about 3.5 s) is the reference from its documentation, not measured here.
/// </summary>
internal static class SwitchFailoverSuite
{
    private const int Kills = 20;
    private static readonly TimeSpan Observe = TimeSpan.FromSeconds(2.5);

    public static async Task RunAsync()
    {
        Console.WriteLine($"== switch failover: {Kills} SIGKILLs of the active switch of a pair, 16 long-lived echo connections");
        if (!SystemCommand.IsRoot)
        {
            Console.WriteLine("  skipped: needs root (network namespaces)");
            return;
        }
        using var topology = new DefaultTopologyCopy(standbySwitch: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        var token = timeout.Token;
        await using var run = await TopologyRun.UpAsync(topology.Spec, topology.Prefix, _ => { }, token);
        var context = new ScenarioContext(run, _ => { });
        using var echo = await context.StartEchoAsync(context.Client.Name, ScenarioContext.Endpoint(context.VipServing(ServiceKind.Echo)), 16, token);
        var (first, second) = SwitchTakeover.Pair(context, "switch-failover");

        // Baseline: no standby to take over; the killed switch restarts and is programmed again.
        await run.StopSwitchAsync(second, crash: false);
        var restart = await SwitchTakeover.TrafficGapAsync(echo, async () =>
        {
            await run.StopSwitchAsync(first, crash: true);
            await run.RestartSwitchAsync(first, token);
        }, TimeSpan.FromSeconds(8), token);
        Console.WriteLine($"  no standby: the switch killed, restarted and reprogrammed: the longest wait for an echo {restart.TotalMilliseconds:F0} ms");
        await run.RestartSwitchAsync(second, token);
        await WaitSettledAsync(context, first, second, token);

        var gaps = new List<double>();
        for (var kill = 1; kill <= Kills; kill++)
        {
            var group = await SwitchTakeover.GroupAsync(context);
            var active = group?.Active ?? throw new InvalidOperationException("the group has no active switch");
            var standby = active == first ? second : first;
            var gap = await SwitchTakeover.TrafficGapAsync(echo, () => run.StopSwitchAsync(active, crash: true), Observe, token);
            gaps.Add(gap.TotalMilliseconds);
            var took = (await SwitchTakeover.GroupAsync(context))?.Takeovers.LastOrDefault()?.TookMs ?? double.NaN;
            Console.WriteLine($"  kill {kill,2} ({active} → {standby}): the longest wait for an echo {gap.TotalMilliseconds,6:F0} ms (the controller's part {took:F0} ms)");
            await run.RestartSwitchAsync(active, token);
            await WaitSettledAsync(context, standby, active, token);
        }
        var report = await echo.StopAsync();

        gaps.Sort();
        double Quantile(double q) => gaps[Math.Min(gaps.Count - 1, (int)Math.Ceiling(q * gaps.Count) - 1)];
        Console.WriteLine();
        Console.WriteLine($"{"",-44} {"ms",8} {"× no standby",13}");
        Console.WriteLine(new string('-', 67));
        Console.WriteLine($"{"no standby: restart and reprogram (baseline)",-44} {restart.TotalMilliseconds,8:F0} {1.0,13:F2}");
        foreach (var (name, value) in new[] { ("takeover p50", Quantile(0.5)), ("takeover p90", Quantile(0.9)), ("takeover max", gaps[^1]) })
            Console.WriteLine($"{name,-44} {value,8:F0} {value / restart.TotalMilliseconds,13:F2}");
        Console.WriteLine($"{"keepalived VRRP (documented, not measured)",-44} {3500,8} {3500 / restart.TotalMilliseconds,13:F2}");
        Console.WriteLine();
        Console.WriteLine($"connections: {report.Connections.Length - report.Broken}/{report.Connections.Length} intact, {report.Received} of {report.Sent} bytes back");
        Console.WriteLine($"goal: switch failover <= 1 s with 0 established connections lost: max {gaps[^1]:F0} ms, {report.Broken} broken -> "
                          + (gaps[^1] <= 1000 && report.Broken == 0 && report.Received == report.Sent ? "met" : "NOT met"));
    }

    // The group has its active switch, and the other has joined as standby with every connection mirrored.
    private static async Task WaitSettledAsync(ScenarioContext context, string active, string standby, CancellationToken cancellationToken)
    {
        if (!await SwitchTakeover.WaitAsync(context, (g, switches) => g.Active == active && switches.Any(s => s.Name == standby && s.Role == "standby"
                && s.Connections == switches.First(a => a.Name == active).Connections), TimeSpan.FromSeconds(30), cancellationToken))
            throw new TimeoutException($"{standby} did not join {active} as a mirrored standby within 30 s");
    }
}
