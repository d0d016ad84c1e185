using Offload.Controller.Configuration;
using Offload.Topology.Model;
using Offload.Topology.Traffic;

namespace Offload.Topology.Scenarios;

/// <summary>1. Many real TCP connections to a VIP are spread over its backends as their weights say.</summary>
public sealed class SpreadScenario : IScenario
{
    public const int Requests = 400;

    public string Name => "spread";
    public string Description => $"{Requests} HTTP connections from a client host to the web VIP land on every backend in proportion to its weight";

    public async Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var result = new ScenarioResult(Name);
        var vip = context.VipServing(ServiceKind.Http);
        context.Log($"{Requests} connections, 8 at a time, from {context.Client.Name} to {vip.Name} ({ScenarioContext.Endpoint(vip)}, {vip.Algorithm})");
        var report = await context.HttpLoadAsync(context.Client.Name, ScenarioContext.Endpoint(vip), Requests, 8, cancellationToken);
        CheckSpread(context, result, vip, report);
        result.Figures["requests/s"] = report.PerSecond;
        result.Figures["latency p50 ms"] = report.P50Ms;
        result.Figures["latency p99 ms"] = report.P99Ms;
        return result;
    }

    /// <summary>Every request answered, and each backend's share within [0.5, 1.6] × its weight's share.</summary>
    public static void CheckSpread(ScenarioContext context, ScenarioResult result, VipConfig vip, HttpLoadReport report, IReadOnlySet<string>? excluded = null)
    {
        result.Check("every connection answered", report.Failed == 0, $"{report.Answered}/{report.Requests}{Failures(report)}");
        var pool = vip.Pool.Select(context.Backend).Where(b => b.Weight > 0 && excluded?.Contains(b.Name) != true).ToList();
        var total = pool.Sum(b => b.Weight);
        foreach (var backend in pool)
        {
            var host = context.HostServing(backend, ServiceKind.Http)!.Name;
            var expected = (double)backend.Weight / total;
            var observed = report.Answered == 0 ? 0 : (double)report.ByBackend.GetValueOrDefault(host) / report.Answered;
            result.Check($"{backend.Name} share", observed >= expected * 0.5 && observed <= expected * 1.6,
                $"{observed:P1} of connections, weight share {expected:P1}");
            result.Figures[$"share of {backend.Name}"] = observed;
            result.Figures[$"weight share of {backend.Name}"] = expected;
        }
        var known = pool.Select(b => context.HostServing(b, ServiceKind.Http)!.Name).ToHashSet();
        var strays = report.ByBackend.Where(kv => !known.Contains(kv.Key)).ToList();
        result.Check("no connection elsewhere", strays.Count == 0, strays.Count == 0 ? "none" : string.Join(", ", strays.Select(kv => $"{kv.Key}: {kv.Value}")));
    }

    public static string Failures(HttpLoadReport report) =>
        report.Failures.Count == 0 ? "" : " (" + string.Join(", ", report.Failures.Select(kv => $"{kv.Key}: {kv.Value}")) + ")";
}
