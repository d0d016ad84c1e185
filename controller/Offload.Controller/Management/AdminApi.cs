using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Offload.Controller.Configuration;
using Offload.Controller.Hosting;
using Offload.Controller.Plumbing;

namespace Offload.Controller.Management;

/// <summary>What `offloadctl` reads: status, switches, VIPs and backends as JSON, and /metrics for Prometheus. Loopback unless configured.</summary>
public static class AdminApi
{
    public static async Task<WebApplication> StartAsync(ControllerHost host, string listen, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{listen}");
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, AdminJson.Default);
        });
        var app = builder.Build();
        app.MapGet("/api/status", () => Status(host));
        app.MapGet("/api/switches", () => Status(host).Switches);
        app.MapGet("/api/vips", () => host.Config.Vips.Select(v => new VipView(v.Id, v.Name, v.Address.ToString(), Protocol(v.Protocol), v.Port,
            Snake(v.Mode.ToString()), v.Algorithm, v.Pool.ToArray())).ToArray());
        app.MapGet("/api/backends", () => host.Config.Backends.Select(b => new BackendView(b.Id, b.Name, b.Address.ToString(), b.Port,
            host.Classifier.Backends[b.Id].Weight, host.Classifier.Backends[b.Id].ActiveConnections)).ToArray());
        app.MapGet("/api/connections", (string? vip, string? backend, int? offset, int? limit) => Connections(host, vip, backend, offset ?? 0, Math.Clamp(limit ?? 100, 1, 10_000)));
        app.MapGet("/metrics", () => Results.Text(Metrics(host), "text/plain; version=0.0.4", Encoding.UTF8));
        app.MapPost("/api/apply", async (HttpRequest request, CancellationToken ct) =>
        {
            using var reader = new StreamReader(request.Body);
            var yaml = await reader.ReadToEndAsync(ct);
            return await Converge(() => host.ApplyAsync(ConfigLoader.Load(yaml, request.Headers["X-Config-Name"].FirstOrDefault() ?? "applied", host.IsKnownAlgorithm), ct));
        });
        app.MapPost("/api/backends/{name}/weight/{weight:int}", (string name, int weight, CancellationToken ct) => Converge(() => host.SetWeightAsync(name, weight, ct)));
        app.MapPost("/api/backends/{name}/drain", (string name, CancellationToken ct) => Converge(() => host.SetWeightAsync(name, 0, ct)));
        app.MapPost("/api/backends/{name}/undrain", (string name, CancellationToken ct) => Converge(() => host.SetWeightAsync(name, null, ct)));
        await app.StartAsync(cancellationToken);
        return app;
    }

    private static async Task<IResult> Converge(Func<Task<IReadOnlyList<string>>> change)
    {
        try
        {
            return Results.Json(new ApplyView((await change()).ToArray(), []), AdminJson.Default.ApplyView);
        }
        catch (ConfigException ex)
        {
            return Results.Json(new ApplyView([], ex.Errors.ToArray()), AdminJson.Default.ApplyView, statusCode: 400);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or ArgumentException)
        {
            return Results.Json(new ApplyView([], [ex.Message]), AdminJson.Default.ApplyView, statusCode: 404);
        }
        catch (Exception ex) when (ex is Offload.Grpc.RpcException or Offload.P4Runtime.Session.P4RuntimeWriteException)
        {
            return Results.Json(new ApplyView([], [$"a switch refused the change: {ex.Message}"]), AdminJson.Default.ApplyView, statusCode: 502);
        }
    }

    /// <summary>Pinned connections, optionally for one VIP or backend (by name), a page at a time in a stable order.</summary>
    private static IResult Connections(ControllerHost host, string? vipName, string? backendName, int offset, int limit)
    {
        var config = host.Config;
        var vips = config.Vips.ToDictionary(v => (Addresses.ToNumber(v.Address), v.Port, v.Protocol), v => v.Name);
        var backends = config.Backends.ToDictionary(b => b.Id, b => b.Name);
        if (vipName is not null && config.Vips.All(v => v.Name != vipName))
            return Results.Json(new ApplyView([], [$"no VIP named '{vipName}'"]), AdminJson.Default.ApplyView, statusCode: 404);
        if (backendName is not null && config.Backends.All(b => b.Name != backendName))
            return Results.Json(new ApplyView([], [$"no backend named '{backendName}'"]), AdminJson.Default.ApplyView, statusCode: 404);
        var rows = host.Agents.SelectMany(a => a.ConnectionSnapshot().Select(c => (Switch: a.Name, c.Key, Vip: vips.GetValueOrDefault((c.Key.Vip, c.Key.VipPort, c.Key.Protocol)) ?? "?",
                Backend: backends.GetValueOrDefault(c.BackendId) ?? $"#{c.BackendId} (removed)")))
            .Where(r => (vipName is null || r.Vip == vipName) && (backendName is null || r.Backend == backendName))
            .OrderBy(r => r.Switch, StringComparer.Ordinal).ThenBy(r => r.Key.Client).ThenBy(r => r.Key.ClientPort).ThenBy(r => r.Key.Vip).ThenBy(r => r.Key.VipPort)
            .ToList();
        var page = rows.Skip(offset).Take(limit).Select(r => new ConnectionView(r.Switch,
            Endpoint(r.Key.IpVersion, r.Key.Client, r.Key.ClientPort), Endpoint(r.Key.IpVersion, r.Key.Vip, r.Key.VipPort), Protocol(r.Key.Protocol), r.Backend)).ToArray();
        return Results.Json(new ConnectionsView(rows.Count, offset, page), AdminJson.Default.ConnectionsView);
    }

    private static string Endpoint(byte version, UInt128 address, ushort port) =>
        version == 4 ? $"{Addresses.ToAddress(version, address)}:{port}" : $"[{Addresses.ToAddress(version, address)}]:{port}";


    public static StatusView Status(ControllerHost host) => new(
        host.Agents.Select(a => new SwitchView(a.Name, a.IsReady ? "primary" : a.IsPrimary ? "primary, preparing" : "not primary", a.Connections, a.LastReconcile?.ToString() ?? "not yet")).ToArray(),
        host.Config.Vips.Count, host.Config.Backends.Count, host.Agents.Sum(a => a.Connections));

    private static string Metrics(ControllerHost host)
    {
        var text = new StringBuilder();
        text.AppendLine("# HELP offload_active_connections Connections pinned on the switches, by backend.");
        text.AppendLine("# TYPE offload_active_connections gauge");
        foreach (var backend in host.Config.Backends)
            text.AppendLine(CultureInfo.InvariantCulture, $"offload_active_connections{{backend=\"{backend.Name}\"}} {host.Classifier.Backends[backend.Id].ActiveConnections}");
        text.AppendLine("# HELP offload_switch_primary 1 when this controller is primary for the switch.");
        text.AppendLine("# TYPE offload_switch_primary gauge");
        foreach (var agent in host.Agents)
            text.AppendLine(CultureInfo.InvariantCulture, $"offload_switch_primary{{switch=\"{agent.Name}\"}} {(agent.IsPrimary ? 1 : 0)}");
        Counter(text, host, "offload_connections_pinned_total", "Connections pinned (forward and reverse entries written).", s => s.ConnectionsPinned);
        Counter(text, host, "offload_connections_removed_total", "Idle connections removed.", s => s.ConnectionsForgotten);
        Counter(text, host, "offload_digest_lists_total", "Digest lists received.", s => s.DigestLists);
        Counter(text, host, "offload_packet_ins_total", "Packet-ins received.", s => s.PacketIns);
        Counter(text, host, "offload_write_errors_total", "Writes or reads a switch refused.", s => s.WriteErrors);
        text.AppendLine("# HELP offload_write_seconds Time spent writing connection entries.");
        text.AppendLine("# TYPE offload_write_seconds summary");
        foreach (var agent in host.Agents)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"offload_write_seconds_sum{{switch=\"{agent.Name}\"}} {agent.Stats.WriteSeconds}");
            text.AppendLine(CultureInfo.InvariantCulture, $"offload_write_seconds_count{{switch=\"{agent.Name}\"}} {agent.Stats.Writes}");
        }
        return text.ToString();
    }

    private static void Counter(StringBuilder text, ControllerHost host, string name, string help, Func<Offload.Controller.Switches.AgentStats, long> value)
    {
        text.AppendLine($"# HELP {name} {help}");
        text.AppendLine($"# TYPE {name} counter");
        foreach (var agent in host.Agents)
            text.AppendLine(CultureInfo.InvariantCulture, $"{name}{{switch=\"{agent.Name}\"}} {value(agent.Stats)}");
    }

    private static string Protocol(byte protocol) => protocol switch { 6 => "tcp", 17 => "udp", _ => protocol.ToString(CultureInfo.InvariantCulture) };

    private static string Snake(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
