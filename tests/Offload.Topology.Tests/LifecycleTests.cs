using Offload.Tests.Common.Topology;
using System.Diagnostics;
using Offload.Controller.Configuration;
using Offload.Tests.Common;
using Offload.Tests.Common.Live;
using Offload.Topology.Model;
using Offload.Topology.Running;
using Xunit;

namespace Offload.Topology.Tests;

/// <summary>offload-topo as users run it: up, status, exec, down after a killed run, a failed start, bad files.</summary>
[Collection(TopologyCollection.Name)]
public sealed class LifecycleTests
{
    private static string Dll => Path.Combine(AppContext.BaseDirectory, "offload-topo.dll");

    /// <summary>`offload-topo up` in its own process, once it says the topology is up; its output keeps growing.</summary>
    private static async Task<(Process Up, System.Text.StringBuilder Output)> UpAsync(DefaultTopologyCopy topology)
    {
        var up = Process.Start(new ProcessStartInfo("dotnet", [Dll, "up", topology.Path, "--prefix", topology.Prefix])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var output = new System.Text.StringBuilder();
        var ready = new TaskCompletionSource();
        up.OutputDataReceived += (_, e) =>
        {
            lock (output)
                output.AppendLine(e.Data);
            if (e.Data?.Contains("is up;") == true)
                ready.TrySetResult();
        };
        up.BeginOutputReadLine();
        up.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(90));
        return (up, output);
    }

    [Fact]
    public async Task UpKilledWithSigkill_StatusSaysSo_DownRemovesEverything()
    {
        Assert.True(Shell.IsRoot, "topology tests need root");
        using var topology = new DefaultTopologyCopy();
        var (up, _) = await UpAsync(topology);
        using var _ = up;

        var exec = ProgramProcess.Run("offload-topo.dll", "exec", "client", "--topology", topology.Prefix, "ip", "-o", "addr", "show", "eth0");
        Assert.Contains("198.18.0.2/24", exec.Output);
        var state = RunState.Load(topology.Prefix)!;
        Assert.Contains(state.Processes, p => p.Name.StartsWith("controller", StringComparison.Ordinal));

        up.Kill();
        await up.WaitForExitAsync();
        var status = ProgramProcess.Run("offload-topo.dll", "status");
        Assert.Contains(topology.Prefix, status.Output);
        Assert.Contains("gone: run `offload-topo down", status.Output);
        Assert.Contains("running", status.Output);

        var down = ProgramProcess.Run("offload-topo.dll", "down", topology.Prefix);
        Assert.True(down.ExitCode == 0, down.Output);
        Assert.DoesNotContain(topology.Prefix, Shell.Check("ip", "netns", "list"));
        Assert.DoesNotContain(topology.Prefix, Shell.Check("ip", "-o", "link", "show"));
        await Eventually.WaitUntil(() => state.Processes.All(p => ManagedProcess.ReadStartTicks(p.Pid) != p.StartTicks));
        Assert.Null(RunState.Load(topology.Prefix));
        Assert.NotEqual(0, ProgramProcess.Run("offload-topo.dll", "down", topology.Prefix).ExitCode);
    }

    [Fact]
    public async Task CtrlC_TearsEverythingDown()
    {
        Assert.True(Shell.IsRoot, "topology tests need root");
        using var topology = new DefaultTopologyCopy();
        var (up, output) = await UpAsync(topology);
        using var _ = up;
        var pids = RunState.Load(topology.Prefix)!.Processes;

        Assert.Equal(0, Shell.Run("kill", "-INT", $"{up.Id}").ExitCode);
        await up.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, up.ExitCode);
        lock (output)
            Assert.Contains($"topology '{topology.Prefix}' is down", output.ToString());
        Assert.DoesNotContain(topology.Prefix, Shell.Check("ip", "netns", "list"));
        Assert.DoesNotContain(topology.Prefix, Shell.Check("ip", "-o", "link", "show"));
        Assert.All(pids, p => Assert.NotEqual(p.StartTicks, ManagedProcess.ReadStartTicks(p.Pid)));
        Assert.Null(RunState.Load(topology.Prefix));
    }

    [Fact]
    public async Task Services_HttpsSocks5AndCommand_RunInTheirHost()
    {
        Assert.True(Shell.IsRoot, "topology tests need root");
        var port = FreePorts.Next();
        var spec = TopologyLoader.Load($$"""
            name: svc
            switches:
              - {name: s1, p4runtime_port: {{port}}}
            hosts:
              - name: srv
                address: 198.19.1.2/24
                mac: 00:00:00:00:19:02
                services:
                  - {kind: https, port: 8443, health_port: 8444}
                  - {kind: socks5, port: 1080}
                  - {kind: command, command: "echo started; exec sleep 600"}
            links:
              - {host: srv, switch: s1, port: 1}
            """, "svc.yaml", "/tmp");
        var prefix = $"s{Environment.ProcessId % 1000}";
        await using var run = await TopologyRun.UpAsync(spec, prefix, _ => { }, CancellationToken.None);
        var https = run.Exec("srv", "curl", "-sk", "--max-time", "5", "https://127.0.0.1:8443/");
        Assert.Equal((0, "srv\n"), https);
        var health = run.Exec("srv", "curl", "-sk", "--max-time", "5", "https://127.0.0.1:8444/healthz");
        Assert.Equal((0, "ok\n"), health);
        var viaSocks = run.Exec("srv", "curl", "-sk", "--max-time", "5", "--socks5", "127.0.0.1:1080", "https://127.0.0.1:8443/");
        Assert.Equal((0, "srv\n"), viaSocks);
        var state = RunState.Load(prefix)!;
        var command = state.Processes.Single(p => p.Name == "service srv command");
        Assert.Equal(command.StartTicks, ManagedProcess.ReadStartTicks(command.Pid));
        await Eventually.WaitUntil(() => File.ReadAllText(command.Log).Contains("started"));
    }

    [Fact]
    public async Task FailedStart_LeavesNothingBehind()
    {
        Assert.True(Shell.IsRoot, "topology tests need root");
        using var topology = new DefaultTopologyCopy(c => c.Replace("election_id: 10", "election_id: 10\n    p4info: missing.p4info.txtpb"));
        var log = new List<string>();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TopologyRun.UpAsync(topology.Spec, topology.Prefix, log.Add, CancellationToken.None));
        Assert.Contains("controller c1", error.Message);
        Assert.Contains(log, l => l.Contains("start failed: tearing down"));
        Assert.DoesNotContain(topology.Prefix, Shell.Check("ip", "netns", "list"));
        Assert.DoesNotContain(topology.Prefix, Shell.Check("ip", "-o", "link", "show"));
        Assert.Null(RunState.Load(topology.Prefix));
    }

    [Fact]
    public void Loader_EveryErrorWithItsLine()
    {
        const string yaml = """
            name: Demo-Too-Long
            switches:
              - {name: s1, kind: tofino, p4runtime_port: 9559}
            hosts:
              - name: web1
                address: 198.18.1.11
                mac: 00:00:00:00:01:11
                services:
                  - {kind: echo, port: 7, health_port: 8}
            links:
              - {host: web1, switch: s1, port: 2}
              - {host: ghost, switch: s1, port: 2}
              - {host: web1, switch: s9, port: 3}
            surprise: 1
            """;
        var errors = Assert.Throws<ConfigException>(() => TopologyLoader.Load(yaml, "bad.yaml", "/tmp")).Errors;
        Assert.Contains(errors, e => e.StartsWith("bad.yaml:1: name:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("bad.yaml:3: switches[0].kind:", StringComparison.Ordinal) && e.Contains("tofino"));
        Assert.Contains(errors, e => e.StartsWith("bad.yaml:6: hosts[0].address:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("bad.yaml:9: hosts[0].services[0].health_port:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("no host named 'ghost'"));
        Assert.Contains(errors, e => e.Contains("port 2 of s1 is linked twice"));
        Assert.Contains(errors, e => e.Contains("no switch named 's9'"));
        Assert.Contains(errors, e => e.Contains("host 'web1' needs exactly one link (it has 2)"));
        Assert.Contains(errors, e => e.StartsWith("bad.yaml:14: surprise: unknown section", StringComparison.Ordinal));
    }

    [Fact]
    public void DefaultTopology_AndItsControllerConfiguration_Load()
    {
        var spec = TopologyLoader.LoadFile(RepoPaths.Get("topologies", "default.yaml"));
        Assert.Equal(["client", "blocked"], spec.Clients.Select(c => c.Name));
        var config = ConfigLoader.LoadFile(spec.Controllers[0].ConfigPath, n => new Offload.Controller.LoadBalancing.LoadBalancingPolicyRegistry().TryGet(n, out _));
        foreach (var backend in config.Backends)
        {
            var host = spec.Hosts.Single(h => h.Has(backend.Address));
            Assert.Equal(host.Mac, backend.Mac);
            Assert.Equal(spec.LinkOf(host).Port, backend.SwitchPort);
        }
    }

    [Fact]
    public void Cli_BadArguments_ClearErrors()
    {
        var unknown = ProgramProcess.Run("offload-topo.dll", "test", "nonsense", RepoPaths.Get("topologies", "default.yaml"));
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("unknown scenario 'nonsense'; known: spread, failover", unknown.Output);
        var traversal = ProgramProcess.Run("offload-topo.dll", "down", "../etc");
        Assert.Equal(1, traversal.ExitCode);
        Assert.Contains("'../etc' is not a topology name or prefix", traversal.Output);
        var missing = ProgramProcess.Run("offload-topo.dll", "up", "/nonexistent/topology.yaml");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("/nonexistent/topology.yaml", missing.Output);
    }
}
