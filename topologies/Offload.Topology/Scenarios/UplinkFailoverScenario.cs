using Offload.Topology.Model;

namespace Offload.Topology.Scenarios;

/// <summary>
/// 11. An active/standby pair, the active switch's uplink cut: its ARP probes of the uplink neighbour go unanswered
/// while the standby's are answered, so the failure is its own: it yields, the standby takes over, nothing is lost. The
/// link comes back and nothing moves.
/// </summary>
public sealed class UplinkFailoverScenario : IScenario
{
    public string Name => "uplink-failover";
    public string Description => "cut the active switch's uplink under load: it yields to the standby, whose uplink works; nothing is lost; the link returns and nothing moves";

    public async Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var result = new ScenarioResult(Name);
        var (active, standby) = SwitchTakeover.Pair(context, Name);
        var uplink = context.Config.Switches.First(s => s.Name == active).Uplinks.FirstOrDefault()
                     ?? throw new InvalidOperationException($"{Name} needs uplinks on {active} in {context.ConfigPath}");
        using var echo = await SwitchTakeover.StartMirroredEchoAsync(context, result, standby, cancellationToken);

        context.Log($"cutting {active}'s uplink (port {uplink.Port})");
        var gap = await SwitchTakeover.TrafficGapAsync(echo, () =>
        {
            context.Run.SetLink(active, uplink.Port, up: false);
            return Task.CompletedTask;
        }, TimeSpan.FromSeconds(4), cancellationToken);
        result.Figures["failover ms"] = gap.TotalMilliseconds;
        var yielded = await SwitchTakeover.WaitAsync(context, (g, switches) => g.Active == standby
            && switches.Any(s => s.Name == active && s.State == "primary" && s.Role == "standby"), TimeSpan.FromSeconds(10), cancellationToken);
        var takeover = (await SwitchTakeover.GroupAsync(context))?.Takeovers.LastOrDefault();
        result.Check($"{active} yielded to {standby}", yielded, takeover is null ? "no takeover" : $"{takeover.Reason}; the controller's part took {takeover.TookMs:F0} ms");
        result.Check("traffic resumed", gap < TimeSpan.FromSeconds(4), $"the longest interruption of the echo traffic: {gap.TotalMilliseconds:F0} ms");
        await SwitchTakeover.CheckNewConnectionsAsync(context, result, standby, cancellationToken);

        context.Log($"restoring {active}'s uplink");
        var returnGap = await SwitchTakeover.TrafficGapAsync(echo, () =>
        {
            context.Run.SetLink(active, uplink.Port, up: true);
            return Task.CompletedTask;
        }, TimeSpan.FromSeconds(2), cancellationToken);
        var group = await SwitchTakeover.GroupAsync(context);
        result.Check($"{standby} stays active once the link is back", group?.Active == standby && group.Takeovers.Length == 2,
            $"{group?.Takeovers.Length} takeovers; the longest interruption while the link returned: {returnGap.TotalMilliseconds:F0} ms");

        SwitchTakeover.CheckNothingLost(result, await echo.StopAsync());
        return result;
    }
}
