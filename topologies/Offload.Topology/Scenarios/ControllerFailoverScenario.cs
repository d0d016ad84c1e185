using System.Diagnostics;
using Offload.Topology.Model;

namespace Offload.Topology.Scenarios;

/// <summary>
/// 9. Two controllers, the primary killed: the switch promotes the backup (offload-sim arbitrates as BMv2's PI), which
/// recovers the connection table and plumbs new connections; long-lived connections stay intact byte for byte; the
/// old primary comes back with its higher election id and takes the switch back, one primary at a time.
/// </summary>
public sealed class ControllerFailoverScenario : IScenario
{
    public string Name => "controller-failover";
    public string Description => "kill the primary of two controllers under load: the backup takes over at once, no connection or byte is lost, the old primary comes back";

    public async Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var result = new ScenarioResult(Name);
        if (context.Run.Topology.Controllers.Count < 2)
            throw new InvalidOperationException("controller-failover needs two controllers in the topology (the first primary, the second its backup)");
        var (primary, backup) = (context.Run.Topology.Controllers[0].Name, context.Run.Topology.Controllers[1].Name);
        var vip = context.VipServing(ServiceKind.Echo);
        using var echo = await context.StartEchoAsync(context.Client.Name, ScenarioContext.Endpoint(vip), 16, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);

        context.Log($"killing the primary controller {primary} (SIGKILL); {backup} is its backup");
        var failover = Stopwatch.StartNew();
        await context.Run.StopControllerAsync(primary, crash: true);
        var took = await WaitAsync(context, backup, "primary", TimeSpan.FromSeconds(10), cancellationToken);
        result.Figures["failover ms"] = failover.Elapsed.TotalMilliseconds;
        result.Check($"{backup} is primary and programmed", took, took ? $"{failover.Elapsed.TotalMilliseconds:F0} ms after the kill" : "not within 10 s");
        var recovered = (await context.Run.BackendsAsync(backup)).Where(b => vip.Pool.Contains(b.Name)).Sum(b => b.ActiveConnections);
        result.Check($"{backup} recovered the connections from the switch", recovered >= 16, $"{recovered} connections of {vip.Name}");

        var web = context.VipServing(ServiceKind.Http);
        var fresh = await context.HttpLoadAsync(context.Client.Name, ScenarioContext.Endpoint(web), 40, 4, cancellationToken);
        result.Check("new connections during the failover's aftermath", fresh.Failed == 0, $"{fresh.Answered}/{fresh.Requests}{SpreadScenario.Failures(fresh)}");
        var pinned = await TrackedAsync(context, backup, 16 + 40);
        result.Check($"{backup} pinned them", pinned >= 16 + 40, $"{backup} tracks {pinned} connections (16 long-lived and 40 new)");

        context.Log($"restarting {primary}: it has the higher election id and takes the switch back");
        await context.Run.StartControllerAsync(primary, cancellationToken);
        var demoted = await WaitAsync(context, backup, "backup", TimeSpan.FromSeconds(10), cancellationToken);
        var states = string.Join(", ", (await context.Run.SwitchesAsync(primary) ?? []).Select(s => $"{primary}: {s.State}")
            .Concat((await context.Run.SwitchesAsync(backup) ?? []).Select(s => $"{backup}: {s.State}")));
        result.Check("one primary after the old one returns", demoted, states);

        SwitchTakeover.CheckNothingLost(result, await echo.StopAsync());
        return result;
    }

    private static async Task<bool> WaitAsync(ScenarioContext context, string controller, string state, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (await context.Run.SwitchesAsync(controller) is { Length: > 0 } switches && switches.All(s => s.State == state))
                return true;
            await Task.Delay(10, cancellationToken);
        }
        return false;
    }

    // Digests are batched: the last connections are pinned a moment after their first packet.
    private static async Task<int> TrackedAsync(ScenarioContext context, string controller, int atLeast)
    {
        var tracked = 0;
        for (var i = 0; i < 50 && tracked < atLeast; i++)
        {
            tracked = (await context.Run.SwitchesAsync(controller) ?? []).Sum(s => s.Connections);
            await Task.Delay(100);
        }
        return tracked;
    }
}
