using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Offload.AgentProtocol;
using Offload.Controller.Configuration;
using Offload.Controller.Health.Sharing;
using Offload.Controller.Hosting;
using Offload.Controller.Pipeline;
using Offload.Controller.Plumbing;
using Offload.Controller.Switches;

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
        app.MapGet("/api/groups", () => Groups(host));
        app.MapGet("/api/vips", () => host.Config.Vips.Select(v => new VipView(v.Id, v.Name, v.Address.ToString(), Protocol(v.Protocol), v.Port,
            Snake(v.Mode.ToString()), v.Algorithm, v.Pool.ToArray())).ToArray());
        app.MapGet("/api/backends", () => HealthViews.Backends(host));
        app.MapGet("/api/health", () => HealthViews.Health(host));
        app.MapPost("/api/agent-reports", async (HttpRequest request, CancellationToken ct) =>
        {
            try
            {
                var report = AgentReport.Parse(await ReadBodyAsync(request, ct));
                return Results.Json(new AgentReportAccepted(host.NodeAgents.Accept(report)), AdminJson.Default.AgentReportAccepted);
            }
            catch (FormatException ex)
            {
                return Results.Json(new ApplyView([], [ex.Message]), AdminJson.Default.ApplyView, statusCode: 400);
            }
        });
        app.MapGet("/api/connections", (string? vip, string? backend, int? offset, int? limit, bool? live, CancellationToken ct) =>
            Connections(host, vip, backend, Math.Max(offset ?? 0, 0), Math.Clamp(limit ?? 100, 1, 10_000), live ?? false, ct));
        app.MapGet("/api/applications", (CancellationToken ct) => Applications(host, ct));
        app.MapGet("/metrics", async (CancellationToken ct) => Results.Text(await MetricsAsync(host, ct), "text/plain; version=0.0.4", Encoding.UTF8));
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", () => Readiness(host));
        app.MapPost("/api/apply", async (HttpRequest request, bool? dry_run, CancellationToken ct) =>
        {
            using var reader = new StreamReader(request.Body);
            var yaml = await reader.ReadToEndAsync(ct);
            var name = request.Headers["X-Config-Name"].FirstOrDefault() ?? "applied";
            OffloadConfig Load() => ConfigLoader.Load(yaml, name, host.IsKnownAlgorithm);
            return await Converge(() => dry_run == true ? Task.FromResult(host.PlanApply(Load())) : host.ApplyAsync(Load(), ct, yaml, name));
        });
        app.MapGet("/api/config", () => Results.Json(host.Cluster.Envelope(), AdminJson.Default.ConfigEnvelope));
        app.MapGet("/api/config/status", () => Results.Json(ConfigStatus(host), AdminJson.Default.ConfigStatusView));
        app.MapGet("/api/config/diff", () => Results.Json(new ApplyView(host.PendingDiff().ToArray(), []), AdminJson.Default.ApplyView));
        app.MapPost("/api/config/activate", (CancellationToken ct) => Converge(() => host.ActivatePendingAsync(ct)));
        app.MapPost("/api/backends/{name}/weight/{weight:int}", (string name, int weight, CancellationToken ct) => Converge(() => host.SetWeightAsync(name, weight, ct)));
        app.MapPost("/api/backends/{name}/drain", (string name, CancellationToken ct) => Converge(() => host.SetWeightAsync(name, 0, ct)));
        app.MapPost("/api/backends/{name}/undrain", (string name, CancellationToken ct) => Converge(() => host.SetWeightAsync(name, null, ct)));
        MapHealthSharing(app, host, listen);
        await app.StartAsync(cancellationToken);
        return app;
    }

    // Heartbeats go out from here: the admin address is where peers fetch this controller's snapshot.
    private static void MapHealthSharing(WebApplication app, ControllerHost host, string listen)
    {
        var receiver = new HeartbeatReceiver(host.PeerHealth, () => host.Configured.Controller.Peers, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("health"));
        app.MapGet("/api/health/snapshot", () => Results.Json(host.OwnHealth(), SharingJson.Default.HealthSnapshot));
        app.MapGet("/api/health/peers", () => Results.Json(host.PeerHealth.Peers().ToArray(), SharingJson.Default.PeerCacheArray));
        app.MapPost("/api/health/heartbeat", async (HttpRequest request, CancellationToken ct) =>
        {
            try
            {
                var heartbeat = System.Text.Json.JsonSerializer.Deserialize(await ReadBodyAsync(request, ct), SharingJson.Default.HealthHeartbeat);
                if (heartbeat?.Controller is null || heartbeat.Address is null || heartbeat.Checksum is null)
                    throw new FormatException("a heartbeat names its controller, address and checksum");
                return Results.Json(await receiver.ReceiveAsync(heartbeat, ct), SharingJson.Default.HeartbeatAnswer);
            }
            catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException)
            {
                return Results.Json(new ApplyView([], [ex.Message]), AdminJson.Default.ApplyView, statusCode: 400);
            }
            catch (UnauthorizedAccessException ex)
            {
                return Results.Json(new ApplyView([], [ex.Message]), AdminJson.Default.ApplyView, statusCode: 403);
            }
            catch (HttpRequestException ex)
            {
                return Results.Json(new ApplyView([], [$"could not fetch the snapshot: {ex.Message}"]), AdminJson.Default.ApplyView, statusCode: 502);
            }
        });
        var sender = new HeartbeatSender(host.OwnHealth, listen, () => host.Configured.Controller.Peers, () => host.Configured.Controller.Heartbeat,
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("health"));
        app.Lifetime.ApplicationStarted.Register(() => _ = sender.RunAsync(app.Lifetime.ApplicationStopping));
        app.Lifetime.ApplicationStopped.Register(receiver.Dispose);
    }

    private const int MaxReportBytes = 1 << 20;

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await request.Body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (body.Length + n > MaxReportBytes)
                throw new FormatException($"a report is at most {MaxReportBytes} bytes");
            body.Write(buffer, 0, n);
        }
        return body.ToArray();
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

    /// <summary>
    /// Pinned connections, optionally for one VIP or backend (by name), a page at a time in a stable order; with
    /// <paramref name="live"/>, each row of the page gets the switch's packet and byte counts and idle time.
    /// </summary>
    private static async Task<IResult> Connections(ControllerHost host, string? vipName, string? backendName, int offset, int limit, bool live,
        CancellationToken cancellationToken)
    {
        var config = host.Config;
        var vips = config.Vips.ToDictionary(v => v.Id, v => v.Name);
        var backends = config.Backends.ToDictionary(b => b.Id, b => b.Name);
        if (vipName is not null && config.Vips.All(v => v.Name != vipName))
            return Results.Json(new ApplyView([], [$"no VIP named '{vipName}'"]), AdminJson.Default.ApplyView, statusCode: 404);
        if (backendName is not null && config.Backends.All(b => b.Name != backendName))
            return Results.Json(new ApplyView([], [$"no backend named '{backendName}'"]), AdminJson.Default.ApplyView, statusCode: 404);
        var rows = host.Agents.SelectMany(a => a.ConnectionTable.Snapshot().Select(c => (Agent: a, c.Key, c.Connection,
                Vip: vips.GetValueOrDefault(c.Connection.VipId) ?? "?", Backend: backends.GetValueOrDefault(c.Connection.BackendId) ?? $"#{c.Connection.BackendId} (removed)")))
            .Where(r => (vipName is null || r.Vip == vipName) && (backendName is null || r.Backend == backendName))
            .OrderBy(r => r.Agent.Name, StringComparer.Ordinal).ThenBy(r => r.Key.Client).ThenBy(r => r.Key.ClientPort).ThenBy(r => r.Key.Vip).ThenBy(r => r.Key.VipPort)
            .ToList();
        var page = rows.Skip(offset).Take(limit).ToList();
        var counters = new Dictionary<(string, ConnectionKey), (long Packets, long Bytes, TimeSpan Idle)>();
        if (live)
        {
            foreach (var group in page.GroupBy(r => r.Agent).Where(g => g.Key.IsReady))
            {
                foreach (var (key, value) in await group.Key.ReadLiveAsync(group.Select(r => r.Key), cancellationToken))
                    counters[(group.Key.Name, key)] = value;
            }
        }
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var views = page.Select(r =>
        {
            var found = counters.TryGetValue((r.Agent.Name, r.Key), out var c);
            return new ConnectionView(r.Agent.Name, Endpoint(r.Key.IpVersion, r.Key.Client, r.Key.ClientPort), Endpoint(r.Key.IpVersion, r.Key.Vip, r.Key.VipPort),
                Protocol(r.Key.Protocol), r.Backend, Math.Max(0, now - r.Connection.CreatedUnixMs) / 1000.0,
                found ? c.Packets : null, found ? c.Bytes : null, found ? c.Idle.TotalSeconds : null);
        }).ToArray();
        return Results.Json(new ConnectionsView(rows.Count, offset, views), AdminJson.Default.ConnectionsView);
    }

    /// <summary>Every application a service is delivered to, with what the switches sent it.</summary>
    private static async Task<IResult> Applications(ControllerHost host, CancellationToken cancellationToken)
    {
        var totals = new Dictionary<int, (long Packets, long Bytes)>();
        foreach (var agent in host.Agents.Where(a => a.IsReady))
        {
            foreach (var (id, (packets, bytes)) in await agent.ReadApplicationCountersAsync(cancellationToken))
            {
                var sum = totals.GetValueOrDefault(id);
                totals[id] = (sum.Packets + packets, sum.Bytes + bytes);
            }
        }
        var config = host.Config;
        return Results.Json(config.Applications.Select(a => new ApplicationView(a.Id, a.Name, a.SwitchPort, a.Address?.ToString(),
            config.Vips.Where(v => v.DeliverTo.Contains(a.Name)).Select(v => v.Name).ToArray(),
            totals.GetValueOrDefault(a.Id).Packets, totals.GetValueOrDefault(a.Id).Bytes)).ToArray(), AdminJson.Default.ApplicationViewArray);
    }

    private static string Endpoint(byte version, UInt128 address, ushort port) =>
        version == 4 ? $"{Addresses.ToAddress(version, address)}:{port}" : $"[{Addresses.ToAddress(version, address)}]:{port}";


    public static StatusView Status(ControllerHost host) => new(
        host.Agents.Select(a => new SwitchView(a.Name, a.State, a.Connections,
            a.Stats.PinnedPerSecond, a.Stats.WriteLatency.Quantile(0.5) * 1000, a.Stats.WriteLatency.Quantile(0.99) * 1000,
            a.DigestBacklog, a.WriteBacklog, a.LastReconcile?.ToString() ?? "not yet", a.Role == SwitchRole.Alone ? "" : a.Role.ToString().ToLowerInvariant(),
            a.Replication is { } r ? new ReplicationView(r.Replicating, r.Written, r.Pending, r.Failures) : null, a.Multiplexed.Spliced)).ToArray(),
        host.Config.Vips.Count, host.Config.Backends.Count, host.Agents.Where(a => a.Role != SwitchRole.Standby).Sum(a => a.Connections));

    public static GroupView[] Groups(ControllerHost host) => host.Groups.Select(g => new GroupView(g.Name, g.Members.Select(m => m.Name).ToArray(), g.Active?.Name,
        g.Takeovers.Select(t => new TakeoverView(t.From, t.To, t.Reason, t.At, t.Took.TotalMilliseconds)).ToArray())).ToArray();

    private static ConfigStatusView ConfigStatus(ControllerHost host)
    {
        static ConfigRevisionView View(Offload.Controller.Cluster.ConfigRevision r) => new(r.Version, r.Checksum, r.Name, r.Since);
        var cluster = host.Cluster;
        return new ConfigStatusView(cluster.Master is null ? "master" : "follower", cluster.Master, View(cluster.Active),
            cluster.Pending is { } pending ? View(pending) : null, cluster.LastRefusal);
    }

    /// <summary>
    /// Ready when every switch's stream is open and every switch this controller is primary for is programmed;
    /// a backup counts as ready (it takes over when the primary goes). 503 names the switches that are not.
    /// </summary>
    private static IResult Readiness(ControllerHost host)
    {
        var waiting = host.Agents.Where(a => a.State is not ("primary" or "backup")).Select(a => $"{a.Name}: {a.State}").ToArray();
        return waiting.Length == 0
            ? Results.Text("ready\n")
            : Results.Text($"not ready: {string.Join("; ", waiting)}\n", statusCode: 503);
    }

    private static async Task<string> MetricsAsync(ControllerHost host, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        ProcessMetrics.Write(text);
        Family(text, host, "offload_switch_connected", "1 while the P4Runtime stream to the switch is open (primary or backup).", "gauge", a => a.IsConnected ? 1 : 0);
        await SwitchCountersAsync(text, host, cancellationToken);
        text.AppendLine("# HELP offload_active_connections Connections pinned on the switches, by backend.");
        text.AppendLine("# TYPE offload_active_connections gauge");
        foreach (var backend in host.Config.Backends)
            text.AppendLine(CultureInfo.InvariantCulture, $"offload_active_connections{{backend=\"{backend.Name}\"}} {host.Classifier.Backends[backend.Id].ActiveConnections}");
        text.AppendLine("# HELP offload_switch_primary 1 when this controller is primary for the switch.");
        text.AppendLine("# TYPE offload_switch_primary gauge");
        foreach (var agent in host.Agents)
            text.AppendLine(CultureInfo.InvariantCulture, $"offload_switch_primary{{switch=\"{agent.Name}\"}} {(agent.IsPrimary ? 1 : 0)}");
        Family(text, host, "offload_connections_pinned_total", "Connections pinned (forward and reverse entries written).", "counter", a => a.Stats.ConnectionsPinned);
        Family(text, host, "offload_connections_removed_total", "Idle connections removed.", "counter", a => a.Stats.ConnectionsForgotten);
        Family(text, host, "offload_connections_ended_total", "Connections whose client sent FIN or RST; their idle timeout was shortened.", "counter", a => a.Stats.ConnectionsEnded);
        Family(text, host, "offload_digest_lists_total", "Digest lists received.", "counter", a => a.Stats.DigestLists);
        Family(text, host, "offload_packet_ins_total", "Packet-ins received.", "counter", a => a.Stats.PacketIns);
        Family(text, host, "offload_write_errors_total", "Writes or reads a switch refused.", "counter", a => a.Stats.WriteErrors);
        text.AppendLine("# HELP offload_vip_active_connections Connections pinned on the switches, by VIP.");
        text.AppendLine("# TYPE offload_vip_active_connections gauge");
        var perVip = host.Agents.SelectMany(a => a.ConnectionTable.PerVip()).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Sum(p => p.Value));
        foreach (var vip in host.Config.Vips)
            text.AppendLine(CultureInfo.InvariantCulture, $"offload_vip_active_connections{{vip=\"{vip.Name}\"}} {perVip.GetValueOrDefault(vip.Id)}");
        HealthViews.Metrics(text, host);
        Family(text, host, "offload_digest_backlog", "Digest lists received and not yet pinned and acknowledged.", "gauge", a => a.DigestBacklog);
        Family(text, host, "offload_write_backlog", "Connection updates queued and not yet written.", "gauge", a => a.WriteBacklog);
        HealthViews.Histogram(text, "offload_write_latency_seconds", "From queueing a connection write to its result.",
            host.Agents.Select(a => ($"switch=\"{a.Name}\"", a.Stats.WriteLatency)));
        return text.ToString();
    }

    // The switch's own counters, read at scrape time from each connected switch (2 s at most); a switch that does not
    // answer is left out and offload_switch_counters_up says so.
    private static async Task SwitchCountersAsync(StringBuilder text, ControllerHost host, CancellationToken cancellationToken)
    {
        var read = new List<(SwitchAgent Agent, SwitchCounters Counters)>();
        var up = new Dictionary<SwitchAgent, bool>();
        foreach (var agent in host.Agents)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(2));
            try
            {
                read.Add((agent, await agent.ReadSwitchCountersAsync(deadline.Token)));
                up[agent] = true;
            }
            catch (Exception ex) when (ex is Offload.Grpc.RpcException or OperationCanceledException or IOException
                                           or Offload.P4Runtime.Schema.P4InfoException or KeyNotFoundException)
            {
                up[agent] = false;
            }
        }
        Family(text, host, "offload_switch_counters_up", "1 when the switch answered this scrape's counter read.", "gauge", a => up[a] ? 1 : 0);
        var vipNames = host.Config.Vips.ToDictionary(v => (long)v.Id, v => v.Name);
        Cells(text, "offload_switch_vip_packets_total", "Packets that matched each VIP, as the switch counts them.", read,
            c => c.Vips.Where(v => vipNames.ContainsKey(v.Key)).Select(v => ($"vip=\"{vipNames[v.Key]}\"", v.Value.Packets)));
        Cells(text, "offload_switch_vip_bytes_total", "Bytes that matched each VIP, as the switch counts them.", read,
            c => c.Vips.Where(v => vipNames.ContainsKey(v.Key)).Select(v => ($"vip=\"{vipNames[v.Key]}\"", v.Value.Bytes)));
        Cells(text, "offload_switch_drops_total", "Packets the switch dropped, by reason (ingress and egress).", read,
            c => Reasons(c.Drops, OffloadP4.DropReasons, "ingress").Concat(Reasons(c.EgressDrops, OffloadP4.DropReasons, "egress")));
        Cells(text, "offload_switch_punts_total", "Packets the switch sent to the controller, by reason.", read,
            c => Reasons(c.Punts, OffloadP4.PuntReasons, null));
    }

    private static IEnumerable<(string Labels, long Value)> Reasons(IReadOnlyDictionary<long, (long Packets, long Bytes)> cells, IReadOnlyList<string> names, string? stage) =>
        cells.Where(c => c.Key > 0 && c.Key < names.Count && c.Value.Packets > 0)
            .Select(c => ($"reason=\"{names[(int)c.Key]}\"{(stage is null ? "" : $",stage=\"{stage}\"")}", c.Value.Packets));

    private static void Cells(StringBuilder text, string name, string help, List<(SwitchAgent Agent, SwitchCounters Counters)> read,
        Func<SwitchCounters, IEnumerable<(string Labels, long Value)>> cells)
    {
        text.AppendLine($"# HELP {name} {help}");
        text.AppendLine($"# TYPE {name} counter");
        foreach (var (agent, counters) in read)
            foreach (var (labels, value) in cells(counters))
                text.AppendLine(CultureInfo.InvariantCulture, $"{name}{{switch=\"{agent.Name}\",{labels}}} {value}");
    }

    private static void Family(StringBuilder text, ControllerHost host, string name, string help, string type, Func<SwitchAgent, double> value)
    {
        text.AppendLine($"# HELP {name} {help}");
        text.AppendLine($"# TYPE {name} {type}");
        foreach (var agent in host.Agents)
            text.AppendLine(CultureInfo.InvariantCulture, $"{name}{{switch=\"{agent.Name}\"}} {value(agent)}");
    }

    private static string Protocol(byte protocol) => protocol switch { 6 => "tcp", 17 => "udp", _ => protocol.ToString(CultureInfo.InvariantCulture) };

    private static string Snake(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
