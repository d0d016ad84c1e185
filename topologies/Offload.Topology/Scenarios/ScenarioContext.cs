using System.Net;
using System.Text.Json;
using Offload.Controller.Configuration;
using Offload.Controller.LoadBalancing;
using Offload.Controller.Management;
using Offload.Topology.Model;
using Offload.Topology.Running;
using Offload.Topology.Traffic;

namespace Offload.Topology.Scenarios;

/// <summary>
/// What a scenario works with: the running topology, the controller's configuration (its VIPs and backends, and
/// which host each backend lives on), and traffic started from client hosts.
/// </summary>
public sealed class ScenarioContext
{
    private static readonly LoadBalancingPolicyRegistry Policies = new();

    public ScenarioContext(TopologyRun run, Action<string> log)
    {
        Run = run;
        Log = log;
        ConfigPath = run.Controller().ConfigPath;
        Config = ConfigLoader.LoadFile(ConfigPath, n => Policies.TryGet(n, out _));
    }

    public TopologyRun Run { get; }
    public Action<string> Log { get; }
    public string ConfigPath { get; }
    public OffloadConfig Config { get; }

    public HostSpec Client => Run.Topology.Clients.FirstOrDefault() ?? throw new InvalidOperationException("the topology has no client host (clients:)");

    /// <summary>The first VIP whose pool's hosts run the given service kind on the backends' port.</summary>
    public VipConfig VipServing(ServiceKind kind) =>
        TryVipServing(kind) ?? throw new InvalidOperationException($"{ConfigPath} has no VIP whose backends all run a {kind.ToString().ToLowerInvariant()} service in the topology");

    public VipConfig? TryVipServing(ServiceKind kind, System.Net.Sockets.AddressFamily family = System.Net.Sockets.AddressFamily.InterNetwork) =>
        Config.Vips.FirstOrDefault(v => v.Address.AddressFamily == family && v.Pool.Count > 0 && v.Pool.All(b => HostServing(Backend(b), kind) is not null));

    /// <summary>A backend of the HTTP VIP that has a health check (the first or the last of its pool), with its check and host.</summary>
    public (VipConfig Vip, BackendConfig Backend, HealthCheckConfig Check, HostSpec Host) CheckedWebBackend(bool last = false)
    {
        var vip = VipServing(ServiceKind.Http);
        var checkedBackends = vip.Pool.Select(Backend).Where(b => b.HealthCheck is not null).ToList();
        if (checkedBackends.Count == 0)
            throw new InvalidOperationException($"no backend of VIP {vip.Name} has a health check in {ConfigPath}");
        var backend = last ? checkedBackends[^1] : checkedBackends[0];
        return (vip, backend, Config.HealthChecks.First(c => c.Name == backend.HealthCheck), HostServing(backend, ServiceKind.Http)!);
    }

    public BackendConfig Backend(string name) => Config.Backends.First(b => b.Name == name);

    /// <summary>The host a backend lives on, when it runs that kind of service on the backend's port.</summary>
    public HostSpec? HostServing(BackendConfig backend, ServiceKind kind) =>
        Run.Topology.Hosts.FirstOrDefault(h => h.Has(backend.Address) && h.Services.Any(s => s.Kind == kind && s.Port == backend.Port));

    public static IPEndPoint Endpoint(VipConfig vip) => new(vip.Address, vip.Port);

    /// <summary>Many short HTTP requests from a client host, each a new connection.</summary>
    public async Task<HttpLoadReport> HttpLoadAsync(string client, IPEndPoint target, int requests, int parallel, CancellationToken cancellationToken)
    {
        using var process = Run.StartInHost(client, "http load", "client", "http", "--target", target.ToString(), "--count", $"{requests}", "--parallel", $"{parallel}");
        await process.Exited.WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
        var line = process.LastLine("{") ?? throw new InvalidOperationException($"the HTTP client printed no report: {process.Tail}");
        return JsonSerializer.Deserialize(line, TrafficJson.Default.HttpLoadReport)!;
    }

    /// <summary>One client-first connection from a client host: <paramref name="bytes"/> up, every one checked on the way back.</summary>
    public Task<StreamReport> StreamAsync(string client, IPEndPoint target, long bytes, CancellationToken cancellationToken) =>
        ClientReportAsync(client, "stream", target, bytes, TrafficJson.Default.StreamReport, cancellationToken);

    /// <summary>New client-first connections one after another from a client host, each timed to its first echoed byte.</summary>
    public Task<FirstByteReport> FirstByteAsync(string client, IPEndPoint target, int connections, CancellationToken cancellationToken) =>
        ClientReportAsync(client, "first-byte", target, connections, TrafficJson.Default.FirstByteReport, cancellationToken);

    private async Task<T> ClientReportAsync<T>(string client, string kind, IPEndPoint target, long count,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var process = Run.StartInHost(client, kind, "client", kind, "--target", target.ToString(), "--count", $"{count}");
        await process.Exited.WaitAsync(TimeSpan.FromMinutes(2), cancellationToken);
        var line = process.LastLine("{") ?? throw new InvalidOperationException($"the {kind} client printed no report: {process.Tail}");
        return JsonSerializer.Deserialize(line, type)!;
    }

    /// <summary>Long-lived connections from a client host, checked byte for byte until <see cref="EchoSession.StopAsync"/>.</summary>
    public async Task<EchoSession> StartEchoAsync(string client, IPEndPoint target, int connections, CancellationToken cancellationToken)
    {
        var process = Run.StartInHost(client, $"echo checker {target}", "client", "echo", "--target", target.ToString(), "--count", $"{connections}");
        var session = new EchoSession(process);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await session.ProgressAsync() is var (open, _, received) && (open < connections || received == 0))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"the echo checker's {connections} connections to {target} did not all open: {process.Tail}");
            await Task.Delay(200, cancellationToken);
        }
        Log($"{connections} long-lived connections to {target} are flowing");
        return session;
    }

    public async Task<BackendView> BackendViewAsync(string name) =>
        (await Run.BackendsAsync()).FirstOrDefault(b => b.Name == name) ?? throw new InvalidOperationException($"the controller does not know backend {name}");

    /// <summary>Waits until a backend's view satisfies <paramref name="condition"/>; returns how long it took, or null on timeout.</summary>
    public async Task<TimeSpan?> WaitForBackendAsync(string name, Func<BackendView, bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (condition(await BackendViewAsync(name)))
                return watch.Elapsed;
            await Task.Delay(50, cancellationToken);
        }
        return null;
    }
}

/// <summary>A running echo checker.</summary>
public sealed class EchoSession(ManagedProcess process) : IDisposable
{
    public async Task<(int Open, long Sent, long Received)> ProgressAsync() =>
        await ReportAsync() is { } fields ? ((int)fields["open"], fields["sent"], fields["received"]) : (0, 0, 0);

    /// <summary>The longest any connection waited for an echo since the previous report, as the checker measured it.</summary>
    public async Task<TimeSpan> LongestStallAsync() =>
        await ReportAsync() is { } fields ? TimeSpan.FromMilliseconds(fields["stall_ms"]) : throw new InvalidOperationException("the echo checker does not report");

    private async Task<Dictionary<string, long>?> ReportAsync()
    {
        var before = process.LastLine("progress");
        await process.SendLineAsync("progress");
        for (var i = 0; i < 50 && process.LastLine("progress") == before && !process.HasExited; i++)
            await Task.Delay(20);
        var line = process.LastLine("progress");
        if (line is null || line == before)
            return null;
        return line.Split(' ').Skip(1).Select(f => f.Split('=')).ToDictionary(f => f[0], f => long.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    public async Task<EchoReport> StopAsync()
    {
        process.CloseInput();
        await process.Exited.WaitAsync(TimeSpan.FromSeconds(30));
        var line = process.LastLine("{") ?? throw new InvalidOperationException($"the echo checker printed no report: {process.Tail}");
        return JsonSerializer.Deserialize(line, TrafficJson.Default.EchoReport)!;
    }

    public void Dispose() => process.Dispose();
}
