using Offload.Controller.Configuration;
using Offload.Topology.Model;

namespace Offload.Topology.Scenarios;

/// <summary>
/// 3. Backends are drained, re-weighted, removed from and added back to the pool while long-lived connections flow
/// and new ones keep arriving: every byte of every connection comes back.
/// </summary>
public sealed class PoolChangeScenario : IScenario
{
    public string Name => "pool-change";
    public string Description => "drain, re-weight, remove and add echo backends under load: zero broken connections";

    public async Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var result = new ScenarioResult(Name);
        var vip = context.VipServing(ServiceKind.Echo);
        if (vip.Pool.Count < 2)
            throw new InvalidOperationException($"VIP {vip.Name} needs at least two backends to change its pool");
        var original = await File.ReadAllTextAsync(context.ConfigPath, cancellationToken);
        var poolLine = $"pool: [{string.Join(", ", vip.Pool)}]";
        if (!original.Contains(poolLine, StringComparison.Ordinal))
            throw new InvalidOperationException($"cannot find '{poolLine}' for VIP {vip.Name} in {context.ConfigPath} to edit it");
        var first = vip.Pool[0];
        var second = vip.Pool[1];
        var target = ScenarioContext.Endpoint(vip);

        using var early = await context.StartEchoAsync(context.Client.Name, target, 16, cancellationToken);
        var steps = new (string What, Func<Task> Do)[]
        {
            ($"drain {first}", () => context.Run.AdminPostAsync($"/api/backends/{first}/drain")),
            ($"weight of {second} → 3", () => context.Run.AdminPostAsync($"/api/backends/{second}/weight/3")),
            ($"undrain {first}", () => context.Run.AdminPostAsync($"/api/backends/{first}/undrain")),
            ($"remove {second} from the pool", () => context.Run.AdminPostAsync("/api/apply",
                original.Replace(poolLine, $"pool: [{string.Join(", ", vip.Pool.Where(b => b != second))}]", StringComparison.Ordinal))),
            ($"add {second} back", () => context.Run.AdminPostAsync("/api/apply", original)),
        };
        EchoSession? late = null;
        var index = 0;
        foreach (var (what, action) in steps)
        {
            context.Log($"pool change: {what}");
            await action();
            await Task.Delay(TimeSpan.FromMilliseconds(700), cancellationToken);
            if (index++ == 1)
                late = await context.StartEchoAsync(context.Client.Name, target, 16, cancellationToken);
        }
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        foreach (var (label, session) in new[] { ("before the changes", early), ("opened during them", late!) })
        {
            var report = await session.StopAsync();
            result.Check($"connections {label} intact", report.Broken == 0 && report.Received > 0,
                $"{report.Connections.Length - report.Broken}/{report.Connections.Length} intact, {report.Received} of {report.Sent} bytes back"
                + (report.Broken == 0 ? "" : ": " + string.Join("; ", report.Connections.Where(c => !c.Intact).Take(3).Select(c => $"#{c.Index} on {c.Backend}: {c.Error ?? $"{c.Mismatched} wrong bytes"}"))));
            result.Figures[$"bytes echoed ({label})"] = report.Received;
        }
        late?.Dispose();
        return result;
    }
}
