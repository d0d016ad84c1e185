using System.Diagnostics;
using Offload.Controller.Management;
using Offload.Topology.Model;
using Offload.Topology.Traffic;

namespace Offload.Topology.Scenarios;

/// <summary>
/// `make run`: steady HTTP traffic from the client host through the VIP while a live table shows each backend's
/// health, weight, connections and the requests it answered; one backend is killed halfway and brought back.
/// </summary>
public sealed class DemoScenario : IScenario
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    public string Name => "demo";
    public string Description => "traffic through the VIP, a live table, one backend killed halfway and brought back, a summary";

    public async Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var result = new ScenarioResult(Name);
        var (vip, victim, check, host) = context.CheckedWebBackend(last: true);
        var target = ScenarioContext.Endpoint(vip);
        var totals = new Dictionary<string, int>(StringComparer.Ordinal);
        var failed = 0;
        TimeSpan? killedAt = null, heldAt = null, upAt = null;
        var clock = Stopwatch.StartNew();
        var phase = "steady";

        Console.WriteLine($"\ndemo: {vip.Name} {target} → {string.Join(", ", vip.Pool)} ({vip.Algorithm}); {context.Client.Name} sends a burst of HTTP connections every second.");
        Console.WriteLine($"      at 8 s {host.Name}'s web server is killed; once held down it is restarted, and returns after the {check.HoldDown.TotalSeconds:0.#} s hold-down and {check.Rise} good checks.\n");
        Console.WriteLine($"{"time",5}  {"phase",-12} {string.Join("  ", vip.Pool.Select(b => $"{b,-24}"))}  answered/failed");
        while (!cancellationToken.IsCancellationRequested)
        {
            var burst = await context.HttpLoadAsync(context.Client.Name, target, 30, 6, cancellationToken);
            foreach (var (backend, count) in burst.ByBackend)
                totals[backend] = totals.GetValueOrDefault(backend) + count;
            failed += burst.Failed;
            var views = (await context.Run.BackendsAsync()).ToDictionary(b => b.Name);
            Console.WriteLine($"{clock.Elapsed.TotalSeconds,4:0}s  {phase,-12} {string.Join("  ", vip.Pool.Select(b => $"{Cell(views.GetValueOrDefault(b), burst, context, b),-24}"))}  {burst.Answered}/{burst.Failed}");

            var victimView = views.GetValueOrDefault(victim.Name);
            if (killedAt is null && clock.Elapsed >= TimeSpan.FromSeconds(8))
            {
                await context.Run.KillServiceAsync(host.Name, ServiceKind.Http);
                killedAt = clock.Elapsed;
                phase = $"{host.Name} killed";
            }
            else if (killedAt is not null && heldAt is null && victimView?.Health == "HOLD_DOWN")
            {
                heldAt = clock.Elapsed;
                phase = "held down";
                await context.Run.RestartServiceAsync(host.Name, ServiceKind.Http, cancellationToken);
            }
            else if (heldAt is not null && upAt is null && victimView is { Health: "UP", State: "active" })
            {
                upAt = clock.Elapsed;
                phase = "recovered";
            }
            else if (upAt is not null && clock.Elapsed - upAt.Value >= TimeSpan.FromSeconds(5))
                break;
            else if (clock.Elapsed > TimeSpan.FromSeconds(8) + check.HoldDown + TimeSpan.FromSeconds(60))
                break;
            await Task.Delay(Tick, cancellationToken);
        }

        Console.WriteLine($"\nsummary: {totals.Values.Sum()} connections answered, {failed} failed");
        foreach (var backend in vip.Pool)
        {
            var name = context.HostServing(context.Backend(backend), ServiceKind.Http)!.Name;
            Console.WriteLine($"  {backend,-10} {totals.GetValueOrDefault(name),6} connections");
        }
        result.Check($"{host.Name} held down after the kill", heldAt is not null, heldAt is null ? "never" : $"{(heldAt - killedAt)!.Value.TotalSeconds:0.0} s after the kill (checked once a second)");
        result.Check($"{host.Name} back after the hold-down", upAt is not null, upAt is null ? "never" : $"{(upAt - heldAt)!.Value.TotalSeconds:0.0} s after it was held down");
        result.Check("connections failed only around the kill", failed <= 30 * 3, $"{failed} failed");
        return result;
    }

    private static string Cell(BackendView? view, HttpLoadReport burst, ScenarioContext context, string backend)
    {
        if (view is null)
            return "?";
        var host = context.HostServing(context.Backend(backend), ServiceKind.Http)!.Name;
        return $"{view.Health,-9} w{view.Weight} {burst.ByBackend.GetValueOrDefault(host),3} req";
    }
}
