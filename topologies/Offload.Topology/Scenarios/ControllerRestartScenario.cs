using Offload.Topology.Model;

namespace Offload.Topology.Scenarios;

/// <summary>
/// 5. The controller is killed and restarted: established connections keep flowing in the switch meanwhile, and the
/// new controller recovers the connection table from the switch without breaking any.
/// </summary>
public sealed class ControllerRestartScenario : IScenario
{
    public string Name => "controller-restart";
    public string Description => "kill the controller under load and restart it: connections flow meanwhile and survive its reconcile";

    public async Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var result = new ScenarioResult(Name);
        var vip = context.VipServing(ServiceKind.Echo);
        var controller = context.Run.Controller();
        using var echo = await context.StartEchoAsync(context.Client.Name, ScenarioContext.Endpoint(vip), 16, cancellationToken);

        context.Log($"killing controller {controller.Name} (SIGKILL)");
        await context.Run.StopControllerAsync(controller.Name, crash: true);
        var before = await echo.ProgressAsync();
        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        var meanwhile = await echo.ProgressAsync();
        result.Check("connections flow with no controller", meanwhile.Received > before.Received && meanwhile.Open == 16,
            $"{meanwhile.Received - before.Received} bytes echoed in 3 s, {meanwhile.Open}/16 open");

        context.Log($"restarting controller {controller.Name}");
        var restart = System.Diagnostics.Stopwatch.StartNew();
        await context.Run.StartControllerAsync(controller.Name, cancellationToken);
        result.Figures["controller restart to primary, s"] = restart.Elapsed.TotalSeconds;
        var recovered = (await context.Run.BackendsAsync()).Where(b => vip.Pool.Contains(b.Name)).Sum(b => b.ActiveConnections);
        result.Check("the new controller recovered the connections", recovered >= 16, $"{recovered} connections of {vip.Name} known after the restart");

        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        var fresh = await context.HttpLoadAsync(context.Client.Name, ScenarioContext.Endpoint(context.VipServing(ServiceKind.Http)), 40, 4, cancellationToken);
        result.Check("new connections after the restart", fresh.Failed == 0, $"{fresh.Answered}/{fresh.Requests}{SpreadScenario.Failures(fresh)}");
        var report = await echo.StopAsync();
        result.Check("no connection broken", report.Broken == 0 && report.Received > 0,
            $"{report.Connections.Length - report.Broken}/{report.Connections.Length} intact, {report.Received} of {report.Sent} bytes back");
        return result;
    }
}
