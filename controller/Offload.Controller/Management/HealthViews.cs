using System.Globalization;
using System.Text;
using Offload.Controller.Health;
using Offload.Controller.Health.Agents;
using Offload.Controller.Hosting;
using Offload.Controller.Switches;

namespace Offload.Controller.Management;

/// <summary>Backends with their health for the admin API and offloadctl, and the health families of /metrics.</summary>
internal static class HealthViews
{
    public static BackendView[] Backends(ControllerHost host)
    {
        var health = host.Health.Snapshot().ToDictionary(h => h.Backend, StringComparer.Ordinal);
        var now = DateTimeOffset.UtcNow;
        var configured = host.Configured.Backends.ToDictionary(b => b.Name, b => b.Weight, StringComparer.Ordinal);
        return host.Config.Backends.Select(b =>
        {
            var candidate = host.Classifier.Backends.GetValueOrDefault(b.Id);
            var h = health.GetValueOrDefault(b.Name);
            var operatorWeight = host.OperatorWeight(b.Name);
            return new BackendView(b.Id, b.Name, b.Address.ToString(), b.Port, State(h, operatorWeight ?? configured.GetValueOrDefault(b.Name)),
                h is null || h.Check is null && h.AgentState is null && h.AgentError is null ? "unchecked" : HealthMonitor.State(h.State), h is null ? null : Math.Round((now - h.Since).TotalSeconds, 1),
                b.Weight, configured.GetValueOrDefault(b.Name), candidate?.ActiveConnections ?? 0, h?.Check,
                h is null ? null : string.Concat(h.RecentProbes.Select(p => p.Up ? '+' : '-')), h?.Reason,
                h?.AgentState is { } agent ? ServiceStateNames.Of(agent) : h?.AgentError is not null ? "unreachable" : null, h?.Load?.Cpu, h?.Load?.Memory);
        }).ToArray();
    }

    public static HealthView[] Health(ControllerHost host)
    {
        var now = DateTimeOffset.UtcNow;
        return host.Health.Snapshot().Select(h => new HealthView(h.Backend, h.Check, HealthMonitor.State(h.State), Math.Round((now - h.Since).TotalSeconds, 1),
            h.Reason, h.Selectable, h.RecentProbes.Reverse().Select(p => new ProbeView(p.At.ToString("O", CultureInfo.InvariantCulture), p.Up, p.Detail, Math.Round(p.Milliseconds, 2))).ToArray(),
            h.ScriptWeight, h.AgentState is { } a ? ServiceStateNames.Of(a) : null, h.AgentError, h.Load?.Cpu, h.Load?.Memory, h.Load?.Connections, h.LinkDown)).ToArray();
    }

    private static string State(BackendHealth? health, int weight) => health switch
    {
        { LinkDown: not null } => "port down",
        { AgentState: ServiceState.NotRunning } => "agent: not running",
        { AgentState: ServiceState.Starting } => "agent: starting",
        { State: HealthState.HoldDown } => "held down",
        { State: HealthState.Recovering } => "recovering",
        _ => weight > 0 ? "active" : "drained",
    };

    public static void Metrics(StringBuilder text, ControllerHost host)
    {
        var snapshot = host.Health.Snapshot();
        text.AppendLine("# HELP offload_backend_health 1 for the state each checked backend is in (UP, HOLD_DOWN, RECOVERING).");
        text.AppendLine("# TYPE offload_backend_health gauge");
        foreach (var h in snapshot)
        {
            foreach (var state in Enum.GetValues<HealthState>())
                text.AppendLine(CultureInfo.InvariantCulture, $"offload_backend_health{{backend=\"{h.Backend}\",state=\"{HealthMonitor.State(state)}\"}} {(h.State == state ? 1 : 0)}");
        }
        text.AppendLine("# HELP offload_backend_selectable 1 when the backend may take new connections as far as health, its agent and its port go.");
        text.AppendLine("# TYPE offload_backend_selectable gauge");
        foreach (var h in snapshot)
            text.AppendLine(CultureInfo.InvariantCulture, $"offload_backend_selectable{{backend=\"{h.Backend}\"}} {(h.Selectable ? 1 : 0)}");
        text.AppendLine("# HELP offload_backend_weight The weight in force for new connections (configuration, operator, health and load).");
        text.AppendLine("# TYPE offload_backend_weight gauge");
        foreach (var b in host.Config.Backends)
            text.AppendLine(CultureInfo.InvariantCulture, $"offload_backend_weight{{backend=\"{b.Name}\"}} {b.Weight}");
        text.AppendLine("# HELP offload_health_transitions_total Backend state changes, by the state entered.");
        text.AppendLine("# TYPE offload_health_transitions_total counter");
        foreach (var (state, count) in host.Health.Transitions)
            text.AppendLine(CultureInfo.InvariantCulture, $"offload_health_transitions_total{{to=\"{HealthMonitor.State(state)}\"}} {count}");
        text.AppendLine("# HELP offload_probes_total Health probes run.");
        text.AppendLine("# TYPE offload_probes_total counter");
        text.AppendLine(CultureInfo.InvariantCulture, $"offload_probes_total {host.Health.ProbesRun}");
        text.AppendLine("# HELP offload_health_peer_age_seconds Since a peer controller's last heartbeat matched (or its snapshot was fetched).");
        text.AppendLine("# TYPE offload_health_peer_age_seconds gauge");
        foreach (var peer in host.PeerHealth.Peers())
            text.AppendLine(CultureInfo.InvariantCulture, $"offload_health_peer_age_seconds{{peer=\"{peer.Controller}\"}} {(DateTimeOffset.UtcNow - peer.HeardAt).TotalSeconds:0.###}");
        text.AppendLine("# HELP offload_health_peer_snapshots_total Snapshots fetched from a peer because its checksum changed.");
        text.AppendLine("# TYPE offload_health_peer_snapshots_total counter");
        foreach (var peer in host.PeerHealth.Peers())
            text.AppendLine(CultureInfo.InvariantCulture, $"offload_health_peer_snapshots_total{{peer=\"{peer.Controller}\"}} {peer.Snapshots}");
        Histogram(text, "offload_probe_lateness_seconds", "How late probes started against their schedule.", [("", host.Health.Lateness)]);
    }

    /// <summary>One histogram family: HELP and TYPE once, then each labelled histogram's buckets, sum and count.</summary>
    public static void Histogram(StringBuilder text, string name, string help, IEnumerable<(string Labels, LatencyHistogram Histogram)> series)
    {
        text.AppendLine($"# HELP {name} {help}");
        text.AppendLine($"# TYPE {name} histogram");
        foreach (var (labels, histogram) in series)
        {
            var prefix = labels.Length > 0 ? labels + "," : "";
            foreach (var (upper, cumulative) in histogram.Buckets())
                text.AppendLine(CultureInfo.InvariantCulture, $"{name}_bucket{{{prefix}le=\"{(double.IsPositiveInfinity(upper) ? "+Inf" : upper.ToString(CultureInfo.InvariantCulture))}\"}} {cumulative}");
            var suffix = labels.Length > 0 ? $"{{{labels}}}" : "";
            text.AppendLine(CultureInfo.InvariantCulture, $"{name}_sum{suffix} {histogram.Sum}");
            text.AppendLine(CultureInfo.InvariantCulture, $"{name}_count{suffix} {histogram.Count}");
        }
    }
}
