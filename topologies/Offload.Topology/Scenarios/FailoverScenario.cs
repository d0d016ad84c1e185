using System.Diagnostics;
using Offload.Topology.Model;

namespace Offload.Topology.Scenarios;

/// <summary>
/// 2. A backend's service is killed: it is held down within (fall + 1) × interval, new connections avoid it, and
/// long-lived connections to the other backends keep flowing; brought back, it returns only after the hold-down and
/// its rise successes.
/// </summary>
public sealed class FailoverScenario : IScenario
{
    /// <summary>How late this scenario may see a transition: it polls the admin API every 50 ms.</summary>
    private static readonly TimeSpan PollSlack = TimeSpan.FromMilliseconds(250);

    public string Name => "failover";
    public string Description => "kill a web backend: held down in bound, avoided, long-lived connections intact; restart: back after the hold-down";

    public async Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var result = new ScenarioResult(Name);
        var (vip, victim, check, host) = context.CheckedWebBackend();
        var echoVip = context.TryVipServing(ServiceKind.Echo);

        using var echo = echoVip is null ? null : await context.StartEchoAsync(context.Client.Name, ScenarioContext.Endpoint(echoVip), 12, cancellationToken);
        await context.WaitForBackendAsync(victim.Name, b => b.Health == "UP", TimeSpan.FromSeconds(30), cancellationToken);

        context.Log($"killing {host.Name}'s http service (backend {victim.Name}, check {check.Name}: every {check.Interval.TotalMilliseconds:0} ms, fall {check.Fall})");
        var killed = Stopwatch.GetTimestamp();
        await context.Run.KillServiceAsync(host.Name, ServiceKind.Http);
        var bound = (check.Fall + 1) * check.Interval + check.Timeout + TimeSpan.FromSeconds(1);
        var held = await context.WaitForBackendAsync(victim.Name, b => b.Health == "HOLD_DOWN", bound + TimeSpan.FromSeconds(10), cancellationToken) is not null
            ? Stopwatch.GetTimestamp() : (long?)null;
        var detected = held is { } h ? Stopwatch.GetElapsedTime(killed, h) : (TimeSpan?)null;
        result.Check("held down within (fall + 1) × interval + timeout + 1 s", detected is not null && detected <= bound,
            detected is null ? "never" : $"{detected.Value.TotalMilliseconds:0} ms after the kill (bound {bound.TotalMilliseconds:0} ms)");
        if (detected is not null)
            result.Figures["detection ms"] = detected.Value.TotalMilliseconds;

        // Held down, the backend leaves the switch's selector through the versioned pool change (two digest
        // barriers), so the last new flows can still reach it for a moment: measure how long.
        var leaving = Stopwatch.StartNew();
        while (leaving.Elapsed < TimeSpan.FromSeconds(5))
        {
            var probe = await context.HttpLoadAsync(context.Client.Name, ScenarioContext.Endpoint(vip), 12, 6, cancellationToken);
            if (probe.Failed == 0)
                break;
        }
        result.Figures["held down → out of the switch's selection, ms"] = leaving.Elapsed.TotalMilliseconds;
        result.Check("out of the switch's selection within 2 s of the hold-down", leaving.Elapsed < TimeSpan.FromSeconds(2), $"{leaving.Elapsed.TotalMilliseconds:0} ms");

        var during = await context.HttpLoadAsync(context.Client.Name, ScenarioContext.Endpoint(vip), 150, 6, cancellationToken);
        result.Check("new connections avoid it", during.ByBackend.GetValueOrDefault(host.Name) == 0 && during.Failed == 0,
            $"{during.ByBackend.GetValueOrDefault(host.Name)} of {during.Answered} on {host.Name}, {during.Failed} failed{SpreadScenario.Failures(during)}");

        context.Log($"restarting {host.Name}'s http service; the hold-down is {check.HoldDown.TotalSeconds:0.#} s, then {check.Rise} successes");
        await context.Run.RestartServiceAsync(host.Name, ServiceKind.Http, cancellationToken);
        var back = await context.WaitForBackendAsync(victim.Name, b => b.Health == "UP" && b.State == "active", check.HoldDown + (check.Rise + 2) * check.Interval + TimeSpan.FromSeconds(10), cancellationToken) is not null
            ? Stopwatch.GetElapsedTime(held ?? killed) : (TimeSpan?)null;
        result.Check("back only after the hold-down and rise successes", back is not null && back >= check.HoldDown + (check.Rise - 1) * check.Interval - PollSlack,
            back is null ? "never" : $"UP {back.Value.TotalSeconds:0.0} s after it was held down (hold-down {check.HoldDown.TotalSeconds:0.#} s, then {check.Rise} probes {check.Interval.TotalMilliseconds:0} ms apart)");
        if (back is not null)
            result.Figures["held down → UP, s"] = back.Value.TotalSeconds;

        var after = await context.HttpLoadAsync(context.Client.Name, ScenarioContext.Endpoint(vip), 150, 6, cancellationToken);
        result.Check("it takes new connections again", after.ByBackend.GetValueOrDefault(host.Name) > 0 && after.Failed == 0,
            $"{after.ByBackend.GetValueOrDefault(host.Name)} of {after.Answered} on {host.Name}{SpreadScenario.Failures(after)}");

        if (echo is not null)
        {
            var report = await echo.StopAsync();
            result.Check("long-lived connections kept flowing", report.Broken == 0 && report.Received > 0,
                $"{report.Connections.Length - report.Broken}/{report.Connections.Length} intact, {report.Sent} bytes sent, {report.Received} echoed");
        }
        return result;
    }
}
