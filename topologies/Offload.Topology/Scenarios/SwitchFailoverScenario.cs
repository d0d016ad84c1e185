using Offload.Topology.Model;

namespace Offload.Topology.Scenarios;

/// <summary>
/// 10. An active/standby pair, the active switch killed under load: the standby, which holds every connection route
/// already, takes the virtual MAC and announces it; long-lived connections go on byte for byte and new ones are
/// served. Then the old active comes back (the split-brain attempt): it stays standby, is given every connection, and
/// nothing moves.
/// </summary>
public sealed class SwitchFailoverScenario : IScenario
{
    public string Name => "switch-failover";
    public string Description => "kill the active switch of a pair under load: the standby takes over with every connection, nothing is lost; the old one returns as standby";

    public async Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var result = new ScenarioResult(Name);
        var (active, standby) = SwitchTakeover.Pair(context, Name);
        var group = await SwitchTakeover.GroupAsync(context);
        result.Check($"{active} is the active switch", group?.Active == active, $"group {group?.Name}: active {group?.Active ?? "none"}");
        using var echo = await SwitchTakeover.StartMirroredEchoAsync(context, result, standby, cancellationToken);

        context.Log($"killing the active switch {active} (SIGKILL)");
        var gap = await SwitchTakeover.TrafficGapAsync(echo, () => context.Run.StopSwitchAsync(active, crash: true), TimeSpan.FromSeconds(4), cancellationToken);
        result.Figures["failover ms"] = gap.TotalMilliseconds;
        var tookOver = await SwitchTakeover.WaitAsync(context, (g, _) => g.Active == standby, TimeSpan.FromSeconds(10), cancellationToken);
        var takeover = (await SwitchTakeover.GroupAsync(context))?.Takeovers.LastOrDefault();
        result.Check($"{standby} took over", tookOver, takeover is null ? "no takeover" : $"{takeover.Reason}; the controller's part took {takeover.TookMs:F0} ms");
        result.Check("traffic resumed", gap < TimeSpan.FromSeconds(4), $"the longest interruption of the echo traffic: {gap.TotalMilliseconds:F0} ms");
        await SwitchTakeover.CheckNewConnectionsAsync(context, result, standby, cancellationToken);

        context.Log($"restarting {active}: it comes back empty, and must not take the traffic back");
        var returnGap = await SwitchTakeover.TrafficGapAsync(echo, () => context.Run.RestartSwitchAsync(active, cancellationToken), TimeSpan.FromSeconds(3), cancellationToken);
        var settled = await SwitchTakeover.WaitAsync(context, (g, switches) => g.Active == standby && switches.Any(s => s.Name == active && s.Role == "standby"
            && s.Connections >= 16 && s.Connections == switches.First(a => a.Name == standby).Connections), TimeSpan.FromSeconds(15), cancellationToken);
        var (back, now) = (await SwitchTakeover.SwitchAsync(context, active), await SwitchTakeover.SwitchAsync(context, standby));
        result.Check($"{active} returned as standby, rebuilt with every connection", settled,
            $"{active}: {back?.State}, {back?.Role}, {back?.Connections} connections; {standby}: {now?.Connections}");
        result.Check($"{standby} stays active", (await SwitchTakeover.GroupAsync(context))?.Active == standby, $"the longest interruption while {active} returned: {returnGap.TotalMilliseconds:F0} ms");

        SwitchTakeover.CheckNothingLost(result, await echo.StopAsync());
        return result;
    }
}
