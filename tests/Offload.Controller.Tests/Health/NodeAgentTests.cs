using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Offload.Agent;
using Offload.AgentProtocol;
using Offload.Controller.Health;
using Offload.Controller.Health.Agents;
using Offload.Tests.Common;
using Offload.Tests.Common.Live;
using Xunit;

namespace Offload.Controller.Tests.Health;

/// <summary>offload-agent as a process, watching real processes through their PID files, read by the controller's client.</summary>
[Collection(TimedCollection.Name)]
public sealed class NodeAgentTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("offload-agent-").FullName;
    private readonly List<Process> _started = [];

    public void Dispose()
    {
        foreach (var pidFile in Directory.GetFiles(_dir, "*.pid"))
        {
            if (int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) && File.Exists($"/proc/{pid}/comm") && File.ReadAllText($"/proc/{pid}/comm").Trim() == "sleep")
                Process.GetProcessById(pid).Kill();
        }
        foreach (var process in _started.Where(p => !p.HasExited))
            process.Kill();
        Directory.Delete(_dir, recursive: true);
    }

    private Process Sleep()
    {
        var process = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        _started.Add(process);
        return process;
    }

    private string PidFile(string name, int? pid = null)
    {
        var path = Path.Combine(_dir, name + ".pid");
        if (pid is { } p)
            File.WriteAllText(path, $"{p}\n");
        return path;
    }

    private async Task<(ProgramProcess Agent, string Tcp, string Socket)> StartAgentAsync(string services)
    {
        var tcp = $"127.0.0.1:{FreePorts.Next()}";
        var socket = Path.Combine(_dir, "agent.sock");
        var config = Path.Combine(_dir, "agent.yaml");
        File.WriteAllText(config, $"""
            listen: {tcp}
            socket: {socket}
            check_interval: 100ms
            services:
            {services}
            """);
        var (agent, _) = await ProgramProcess.StartAsync("offload-agent.dll", new Regex("listening on"), "--config", config);
        return (agent, tcp, socket);
    }

    private static async Task<ServiceReport> Service(AgentClient client, string name) =>
        (await client.ReadAsync(CancellationToken.None)).Services.Single(s => s.Name == name);

    [Fact]
    public async Task Agent_JudgesPidFiles_OnTcpAndUnixSocket_AndRestartsWithBackoff()
    {
        var web = Sleep();
        var (agent, tcp, socket) = await StartAgentAsync($"""
              - name: web
                pid_file: {PidFile("web", web.Id)}
                process: sleep
                ports: [8080]
              - name: gone
                pid_file: {PidFile("gone")}
              - name: impostor
                pid_file: {PidFile("impostor", Environment.ProcessId)}
                process: nginx
              - name: kept
                pid_file: {PidFile("kept")}
                process: sleep
                start: sleep 300 & echo $! > {PidFile("kept")}
                restart: true
                backoff_min: 200ms
                backoff_max: 2s
            """);
        using var _ = agent;
        using var overTcp = new AgentClient(tcp, TimeSpan.FromSeconds(2));
        using var overSocket = new AgentClient($"unix:{socket}", TimeSpan.FromSeconds(2));

        var report = await overSocket.ReadAsync(CancellationToken.None);
        Assert.Equal(tcp, report.Agent);
        Assert.InRange(report.Load.Cpu, 0, 1);
        Assert.InRange(report.Load.Memory, 0.0001, 1);
        var running = report.Services.Single(s => s.Name == "web");
        Assert.Equal((ServiceStates.Running, web.Id), (running.State, running.Pid));
        Assert.Contains("no PID file", report.Services.Single(s => s.Name == "gone").Detail);
        Assert.Equal(ServiceStates.NotRunning, report.Services.Single(s => s.Name == "gone").State);
        var impostor = report.Services.Single(s => s.Name == "impostor");
        Assert.Equal(ServiceStates.NotRunning, impostor.State);
        Assert.Contains("not 'nginx'", impostor.Detail);

        // The agent started "kept" itself; killed, it is started again after the backoff.
        await Eventually.WaitUntil(async () => (await Service(overTcp, "kept")).State == ServiceStates.Running, TimeSpan.FromSeconds(5));
        var first = await Service(overTcp, "kept");
        Assert.Equal(1, first.Restarts);
        Process.GetProcessById(first.Pid!.Value).Kill();
        await Eventually.WaitUntil(async () => (await Service(overTcp, "kept")) is { State: ServiceStates.Running, Restarts: 2 }, TimeSpan.FromSeconds(5));

        web.Kill();
        await web.WaitForExitAsync();
        await Eventually.WaitUntil(async () => (await Service(overTcp, "web")).State == ServiceStates.NotRunning, TimeSpan.FromSeconds(3));
        Assert.Contains($"process {web.Id} is gone", (await Service(overTcp, "web")).Detail);
        Assert.Contains("offload-agent: listening on", agent.Log);
        Assert.Contains("service web: NOT RUNNING", agent.Log);
    }

    [Fact]
    public async Task ControllerPollingTheAgentsSocket_HoldsDownAtOnceWhenTheServiceDies()
    {
        var web = Sleep();
        var (agent, _, socket) = await StartAgentAsync($"""
              - name: web
                pid_file: {PidFile("web", web.Id)}
                process: sleep
            """);
        using var _ = agent;
        var config = ExampleConfig.Load(y => y.Replace("    weight: 1\n  - name: web2", $"    weight: 1\n    agent: unix:{socket}\n    agent_service: web\n  - name: web2")
            + "\ncontroller:\n  agent_poll: 100ms\n");
        await using var monitor = new HealthMonitor(TimeProvider.System, NullLogger.Instance);
        await using var poller = new AgentPoller(monitor);
        monitor.Update(config);
        monitor.Start(CancellationToken.None);
        poller.Start(config, CancellationToken.None);
        await Eventually.WaitUntil(() => monitor.Snapshot().Single(h => h.Backend == "web1").AgentState == ServiceState.Running);
        var web1 = config.Backends.Single(b => b.Name == "web1");
        Assert.Equal(1, monitor.EffectiveWeight(web1, 1));

        var clock = Stopwatch.StartNew();
        web.Kill();
        await Eventually.WaitUntil(() => monitor.Snapshot().Single(h => h.Backend == "web1").State == HealthState.HoldDown, TimeSpan.FromSeconds(3));
        // The agent checks every 100 ms and the controller polls every 100 ms: no failure count, no probe interval.
        Assert.True(clock.ElapsedMilliseconds < 1500, $"{clock.ElapsedMilliseconds} ms");
        Assert.Equal(0, monitor.EffectiveWeight(web1, 1));
        Assert.Equal("node agent reports NOT RUNNING", monitor.Snapshot().Single(h => h.Backend == "web1").Reason);
    }

    [Fact]
    public void AgentConfig_Mistakes_Reported()
    {
        var error = Assert.Throws<FormatException>(() => AgentConfig.Load("""
            listen: nowhere
            push_to: [ftp://x]
            services:
              - name: a
                restart: true
                surprise: 1
            """, "agent.yaml")).Message;
        Assert.Contains("agent.yaml:1: listen: 'nowhere' is not ADDRESS:PORT", error);
        Assert.Contains("push_to: 'ftp://x' is not an http:// URL", error);
        Assert.Contains("services[0].pid_file: required", error);
        Assert.Contains("services[0].restart: restarting needs a start command", error);
        Assert.Contains("agent.yaml:6: services[0].surprise: unknown key", error);
    }
}
