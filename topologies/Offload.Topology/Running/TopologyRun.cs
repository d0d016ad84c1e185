using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Offload.Controller.Management;
using Offload.Topology.Model;
using Offload.Topology.Network;

namespace Offload.Topology.Running;

/// <summary>
/// A topology brought up: the network (namespaces, veth pairs), the switches on their ports, each host's services and
/// the controllers. Disposing tears it all down; so does a failed start. Everything made is recorded in
/// <see cref="RunState"/> as it is made, so `offload-topo down` can clean up after a run that was killed.
/// </summary>
public sealed partial class TopologyRun : IAsyncDisposable
{
    private readonly RunState _state;
    private readonly NetworkBuilder _network;
    private readonly Action<string> _log;
    private readonly Dictionary<string, ManagedProcess> _processes = new(StringComparer.Ordinal);
    private int _clients;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private TopologyRun(TopologySpec topology, string prefix, Action<string> log)
    {
        Topology = topology;
        _log = log;
        _state = new RunState { Prefix = prefix, Topology = topology.Name, RunnerPid = Environment.ProcessId, Started = DateTimeOffset.Now };
        _network = new NetworkBuilder(_state, log);
    }

    public TopologySpec Topology { get; }
    public string Prefix => _state.Prefix;
    public string LogDirectory => Path.Combine(_state.Directory, "logs");

    /// <summary>Where our programs are: next to this assembly (offload-sim.dll, offload-controller.dll, ...).</summary>
    public static string ProgramDirectory => AppContext.BaseDirectory;

    public string Namespace(string host) => _network.Namespace(Topology.Host(host));

    public static async Task<TopologyRun> UpAsync(TopologySpec topology, string? prefix, Action<string> log, CancellationToken cancellationToken)
    {
        prefix ??= topology.Name;
        RunState.CheckPrefix(prefix);
        Preflight(topology);
        if (RunState.Load(prefix) is { } previous)
        {
            if (previous.RunnerPid != Environment.ProcessId && ManagedProcess.ReadStartTicks(previous.RunnerPid) is not null
                && File.Exists($"/proc/{previous.RunnerPid}/cmdline") && File.ReadAllText($"/proc/{previous.RunnerPid}/cmdline").Contains("offload-topo"))
                throw new InvalidOperationException($"topology '{prefix}' is already up (runner pid {previous.RunnerPid}); run `offload-topo down` first or pick another --prefix");
            log($"cleaning up what an earlier run of '{prefix}' left behind");
            await DownAsync(prefix, log);
        }
        var run = new TopologyRun(topology, prefix, log);
        try
        {
            await run.StartAsync(cancellationToken);
            return run;
        }
        catch
        {
            log("start failed: tearing down");
            await run.DisposeAsync();
            throw;
        }
    }

    private static void Preflight(TopologySpec topology)
    {
        if (!SystemCommand.IsRoot)
            throw new InvalidOperationException("offload-topo needs root: it creates network namespaces and veth pairs and opens raw sockets on them (try: sudo bin/offload-topo ...)");
        foreach (var tool in new[] { "ip", "ethtool", "sysctl" })
        {
            if (SystemCommand.Run("/bin/sh", "-c", $"command -v {tool}").ExitCode != 0)
                throw new InvalidOperationException($"{tool} is missing: run `make deps` (or apt-get install iproute2 ethtool procps)");
        }
        if (topology.Switches.Any(s => s.Kind == SwitchKind.Bmv2) && SystemCommand.Run("/bin/sh", "-c", "command -v simple_switch_grpc").ExitCode != 0)
            throw new InvalidOperationException("a bmv2 switch needs simple_switch_grpc on PATH (BMv2 is not packaged for Debian 12); use kind: sim for offload-sim");
        foreach (var s in topology.Hosts.SelectMany(h => h.Services).Where(s => s.Kind == ServiceKind.Socks5))
        {
            if (SystemCommand.Run("/bin/sh", "-c", "command -v microsocks").ExitCode != 0)
                throw new InvalidOperationException("a socks5 service needs microsocks: run `make deps` (or apt-get install microsocks)");
        }
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(LogDirectory);
        _state.Save();
        foreach (var host in Topology.Hosts)
            _network.AddHost(host, Topology.LinkOf(host), Topology);
        foreach (var controller in Topology.Controllers.Where(c => c.Management is not null))
            _network.AddManagement(controller.Management!, Topology);
        foreach (var sw in Topology.Switches)
            await StartSwitchAsync(sw, cancellationToken);
        if (Topology.Etcd is not null)
            await StartEtcdAsync(cancellationToken);
        foreach (var host in Topology.Hosts)
        {
            foreach (var service in host.Services)
                await StartServiceAsync(host, service, cancellationToken);
        }
        foreach (var controller in Topology.Controllers)
            await StartControllerAsync(controller.Name, cancellationToken);
    }

    private IEnumerable<(uint Port, string Interface)> PortsOf(SwitchSpec sw) =>
        Topology.Links.Where(l => Topology.Parallel(l.Switch).Contains(sw.Name)).Select(l => (l.Port, _network.SwitchEnd(sw.Name, l.Port)))
            .Concat(Topology.Controllers.Select(c => c.Management).OfType<ManagementLink>().Where(m => Topology.Parallel(m.Switch).Contains(sw.Name))
                .Select(m => (m.Port, _network.SwitchEnd(sw.Name, m.Port))))
            .OrderBy(p => p.Port);

    private async Task StartSwitchAsync(SwitchSpec sw, CancellationToken cancellationToken)
    {
        var interfaces = PortsOf(sw).SelectMany(p => new[] { "-i", $"{p.Port}@{p.Interface}" }).ToList();
        var address = $"127.0.0.1:{sw.P4RuntimePort}";
        await EnsurePortFreeAsync(sw.P4RuntimePort, $"switch {sw.Name}");
        var process = sw.Kind == SwitchKind.Sim
            ? Start($"switch {sw.Name}", null, "dotnet", [Path.Combine(ProgramDirectory, "offload-sim.dll"), "--device-id", $"{sw.DeviceId}", "--grpc-addr", address, "--cpu-port", $"{sw.CpuPort}", "--no-p4", .. interfaces])
            : Start($"switch {sw.Name}", null, "simple_switch_grpc", ["--no-p4", "--device-id", $"{sw.DeviceId}", .. interfaces, "--", "--grpc-server-addr", address, "--cpu-port", $"{sw.CpuPort}"]);
        await WaitForTcpAsync(process, sw.P4RuntimePort, TimeSpan.FromSeconds(30), cancellationToken);
        _log($"switch {sw.Name} ({(sw.Kind == SwitchKind.Sim ? "offload-sim" : "simple_switch_grpc")}, device {sw.DeviceId}): P4Runtime on {address}, ports {string.Join(", ", PortsOf(sw).Select(p => $"{p.Port}={p.Interface}"))}");
    }

    private static string ServiceKey(HostSpec host, ServiceSpec service) => $"service {host.Name} {service.Label}";

    private async Task StartServiceAsync(HostSpec host, ServiceSpec service, CancellationToken cancellationToken)
    {
        var ns = _network.Namespace(host);
        var self = Path.Combine(ProgramDirectory, "offload-topo.dll");
        var key = ServiceKey(host, service);
        var process = service.Kind switch
        {
            ServiceKind.Http or ServiceKind.Https => Start(key, ns, "dotnet", [self, "serve", service.Kind == ServiceKind.Http ? "http" : "https",
                "--name", host.Name, "--port", $"{service.Port}", .. service.HealthPort is { } h ? new[] { "--health-port", $"{h}" } : []]),
            ServiceKind.Echo => Start(key, ns, "dotnet", [self, "serve", "echo", "--name", host.Name, "--port", $"{service.Port}"]),
            ServiceKind.Socks5 => Start(key, ns, "microsocks", ["-i", "0.0.0.0", "-p", $"{service.Port}"]),
            _ => Start(key, ns, "/bin/sh", ["-c", service.Command!]),
        };
        if (service.Port > 0)
            await WaitForTcpAsync(process, service.Port, TimeSpan.FromSeconds(30), cancellationToken, ns);
        _log($"{key}: running (pid {process.Pid})");
    }

    /// <summary>Stops a host's service as a crash would (SIGKILL), e.g. to see it held down.</summary>
    public async Task KillServiceAsync(string hostName, ServiceKind kind)
    {
        var host = Topology.Host(hostName);
        var service = host.Services.First(s => s.Kind == kind);
        await StopAsync(ServiceKey(host, service), TimeSpan.Zero);
    }

    public Task RestartServiceAsync(string hostName, ServiceKind kind, CancellationToken cancellationToken)
    {
        var host = Topology.Host(hostName);
        return StartServiceAsync(host, host.Services.First(s => s.Kind == kind), cancellationToken);
    }

    public ControllerSpec Controller(string? name = null) =>
        Topology.Controllers.FirstOrDefault(c => name is null || c.Name == name) ?? throw new ArgumentException($"no controller named '{name}'");

    public async Task StartControllerAsync(string name, CancellationToken cancellationToken)
    {
        var controller = Controller(name);
        var port = IPEndPoint.Parse(controller.AdminAddress).Port;
        await EnsurePortFreeAsync(port, $"controller {name}");
        // With another of the topology's controllers running, this one may be its backup (a lower election id).
        var standby = Topology.Controllers.Any(c => c.Name != name && _processes.ContainsKey($"controller {c.Name}"));
        var process = Start($"controller {name}", null, "dotnet", [Path.Combine(ProgramDirectory, "offload-controller.dll"), "--config", controller.ConfigPath, "--admin-addr", controller.AdminAddress]);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string role;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
                throw new InvalidOperationException($"controller {name} exited during start; its last lines:\n{process.Tail}");
            if (await SwitchesAsync(controller) is { Length: > 0 } switches
                && (switches.All(s => s.State == "primary") || standby && switches.All(s => s.State == "backup")))
            {
                role = switches[0].State;
                break;
            }
            if (DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"controller {name} did not take charge of its switches in 60 s; its last lines:\n{process.Tail}");
            await Task.Delay(200, cancellationToken);
        }
        _log($"controller {name}: {role} for every switch; admin API on http://{controller.AdminAddress} (pid {process.Pid})");
        if (role == "primary")
            await WaitForHealthAsync(controller, TimeSpan.FromSeconds(20), cancellationToken);
    }

    /// <summary>What the controller says of its switches (state: primary, primary preparing, backup or disconnected); null when it does not answer.</summary>
    public Task<SwitchView[]?> SwitchesAsync(string name) => SwitchesAsync(Controller(name));

    /// <summary>Waits until every checked backend has been probed and is UP, so traffic starts on a settled pool.</summary>
    private async Task WaitForHealthAsync(ControllerSpec controller, TimeSpan patience, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + patience;
        BackendView[] unsettled = [];
        while (DateTime.UtcNow < deadline)
        {
            var backends = await BackendsAsync(controller.Name);
            unsettled = backends.Where(b => b.Check is not null && !(b.Health == "UP" && b.LastProbes is { Length: > 0 } probes && probes[^1] == '+')).ToArray();
            if (unsettled.Length == 0)
            {
                _log($"controller {controller.Name}: every checked backend is UP ({backends.Count(b => b.Check is not null)} of {backends.Length})");
                return;
            }
            await Task.Delay(100, cancellationToken);
        }
        _log($"controller {controller.Name}: not yet UP after {patience.TotalSeconds:0} s: {string.Join(", ", unsettled.Select(b => $"{b.Name} ({b.Health}, {b.Reason})"))}");
    }

    /// <summary>Starts the run's etcd (again, on the same data: a restart keeps what it held) and waits until it listens.</summary>
    public async Task StartEtcdAsync(CancellationToken cancellationToken)
    {
        var etcd = Topology.Etcd ?? throw new InvalidOperationException("the topology has no etcd (etcd: at its top level)");
        if (!File.Exists("/usr/bin/etcd"))
            throw new InvalidOperationException("the topology's etcd needs /usr/bin/etcd: run `make deps` (or apt-get install etcd-server)");
        await EnsurePortFreeAsync(etcd.ClientPort, "etcd");
        var (client, peer) = ($"http://127.0.0.1:{etcd.ClientPort}", $"http://127.0.0.1:{etcd.PeerPort}");
        var process = Start("etcd", null, "/usr/bin/etcd", ["--name", Prefix, "--data-dir", Path.Combine(_state.Directory, "etcd"), "--listen-client-urls", client,
            "--advertise-client-urls", client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", $"{Prefix}={peer}"]);
        await WaitForTcpAsync(process, etcd.ClientPort, TimeSpan.FromSeconds(30), cancellationToken);
        _log($"etcd: 127.0.0.1:{etcd.ClientPort} (pid {process.Pid})");
    }

    /// <summary>Kills the run's etcd, as a crash: its data stays for <see cref="StartEtcdAsync"/>.</summary>
    public Task KillEtcdAsync() => StopAsync("etcd", TimeSpan.Zero);

    /// <summary>Stops a switch process: gracefully, or at once as a crash would (its P4Runtime stream and its ports go dead).</summary>
    public Task StopSwitchAsync(string name, bool crash) => StopAsync($"switch {name}", crash ? TimeSpan.Zero : TimeSpan.FromSeconds(10));

    /// <summary>Starts a stopped switch again: empty, as a switch that rebooted.</summary>
    public Task RestartSwitchAsync(string name, CancellationToken cancellationToken) =>
        StartSwitchAsync(Topology.Switches.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"no switch named '{name}'"), cancellationToken);

    /// <summary>Takes a switch port's link down or up (its end of the veth), as a pulled cable or a failed optic.</summary>
    public void SetLink(string sw, uint port, bool up)
    {
        var end = _network.SwitchEnd(sw, port);
        SystemCommand.Check("ip", "link", "set", end, up ? "up" : "down");
        _log($"link {end} ({sw} port {port}): {(up ? "up" : "down")}");
    }

    /// <summary>The controller's active/standby groups; null when it does not answer.</summary>
    public async Task<GroupView[]?> GroupsAsync(string? controller = null)
    {
        try
        {
            return await _http.GetFromJsonAsync($"http://{Controller(controller).AdminAddress}/api/groups", AdminJson.Default.GroupViewArray);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>Stops a controller: gracefully, or at once as a crash would.</summary>
    public Task StopControllerAsync(string name, bool crash) => StopAsync($"controller {name}", crash ? TimeSpan.Zero : TimeSpan.FromSeconds(10));

    private async Task<SwitchView[]?> SwitchesAsync(ControllerSpec controller)
    {
        try
        {
            return await _http.GetFromJsonAsync($"http://{controller.AdminAddress}/api/switches", AdminJson.Default.SwitchViewArray);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public async Task<BackendView[]> BackendsAsync(string? controller = null) =>
        await _http.GetFromJsonAsync($"http://{Controller(controller).AdminAddress}/api/backends", AdminJson.Default.BackendViewArray) ?? [];

    /// <summary>POSTs to the controller's admin API (drain, undrain, weight, apply) and fails with its answer when it refuses.</summary>
    public async Task AdminPostAsync(string path, string? body = null, string? controller = null)
    {
        using var response = await _http.PostAsync($"http://{Controller(controller).AdminAddress}{path}", body is null ? null : new StringContent(body));
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Runs one of our programs in a host's namespace (a traffic client) and returns it running.</summary>
    public ManagedProcess StartInHost(string hostName, string label, params string[] args) =>
        Start($"{label} in {hostName} #{Interlocked.Increment(ref _clients)}", _network.Namespace(Topology.Host(hostName)), "dotnet", [Path.Combine(ProgramDirectory, "offload-topo.dll"), .. args]);

    /// <summary>Any command in a host's namespace (a capture), returned running.</summary>
    public ManagedProcess StartCommandInHost(string hostName, string label, string file, params string[] args) =>
        Start($"{label} in {hostName}", _network.Namespace(Topology.Host(hostName)), file, args);

    /// <summary>A command in a host's namespace, to completion.</summary>
    public (int ExitCode, string Output) Exec(string hostName, string file, params string[] args) =>
        SystemCommand.Run("ip", ["netns", "exec", _network.Namespace(Topology.Host(hostName)), file, .. args]);

    private ManagedProcess Start(string name, string? ns, string file, string[] args)
    {
        if (_processes.Remove(name, out var old))
            old.Dispose();
        var logName = NonWord().Replace(name, "-");
        var process = ManagedProcess.Start(name, ns, file, args, Path.Combine(LogDirectory, $"{logName}.log"));
        _processes[name] = process;
        _state.Processes.RemoveAll(p => p.Name == name);
        _state.Processes.Add(new StartedProcess(name, process.Pid, process.StartTicks, process.LogPath));
        _state.Save();
        return process;
    }

    public async Task StopAsync(string name, TimeSpan grace)
    {
        if (!_processes.Remove(name, out var process))
            return;
        await process.StopAsync(grace);
        process.Dispose();
        _state.Processes.RemoveAll(p => p.Name == name);
        _state.Save();
        _log($"{name}: stopped{(grace == TimeSpan.Zero ? " (killed)" : "")}");
    }

    private static async Task EnsurePortFreeAsync(int port, string who)
    {
        if (await CanConnectAsync(port, null))
            throw new InvalidOperationException($"{who}: 127.0.0.1:{port} is already in use; stop what listens there or change the topology");
    }

    private static async Task<bool> CanConnectAsync(int port, string? ns)
    {
        if (ns is not null)
            return SystemCommand.Run("ip", "netns", "exec", ns, "ss", "-Hltn", $"sport = :{port}").Output.Trim().Length > 0;
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task WaitForTcpAsync(ManagedProcess process, int port, TimeSpan timeout, CancellationToken cancellationToken, string? ns = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await CanConnectAsync(port, ns))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
                throw new InvalidOperationException($"{process.Name} exited during start; its last lines:\n{process.Tail}");
            if (DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"{process.Name} did not listen on port {port} in {timeout.TotalSeconds:0} s; its last lines:\n{process.Tail}");
            await Task.Delay(100, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var name in _processes.Keys.Reverse().ToList())
            await StopAsync(name, TimeSpan.FromSeconds(5));
        NetworkBuilder.Remove(_state, _log);
        _http.Dispose();
        try
        {
            Directory.Delete(_state.Directory, recursive: true);
        }
        catch (IOException)
        {
            // Logs still open elsewhere: leave the directory.
        }
        _log($"topology '{Prefix}' is down");
    }

    /// <summary>Removes whatever a run of <paramref name="prefix"/> left: its processes (if still the same), namespaces and links.</summary>
    public static Task DownAsync(string prefix, Action<string> log)
    {
        var state = RunState.Load(prefix) ?? throw new InvalidOperationException($"no topology '{prefix}' is up (nothing under {RunState.DirectoryOf(prefix)})");
        foreach (var p in state.Processes)
        {
            if (ManagedProcess.ReadStartTicks(p.Pid) == p.StartTicks)
            {
                SystemSignal.Kill(p.Pid);
                log($"killed {p.Name} (pid {p.Pid})");
            }
        }
        NetworkBuilder.Remove(state, log);
        Directory.Delete(state.Directory, recursive: true);
        log($"topology '{prefix}' is down");
        return Task.CompletedTask;
    }

    [GeneratedRegex(@"[^A-Za-z0-9]+")]
    private static partial Regex NonWord();
}
