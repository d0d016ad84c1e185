using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Offload.AgentProtocol;
using Offload.Controller.Configuration;
using Offload.Controller.Health;
using Offload.Controller.Hosting;
using Offload.Controller.LoadBalancing;
using Offload.Controller.Management;
using Offload.Controller.Switches;
using Offload.Tests.Common;
using Offload.Tests.Common.Live;
using Offload.Tests.Common.Packets;
using Offload.Tests.Common.Simulator;
using Xunit;

namespace Offload.Controller.Tests.Hosting;

/// <summary>Health verdicts reaching the switch: weights, held-down connections, agent reports, offloadctl and /metrics.</summary>
public sealed class HealthHostTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("offload-health-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Syn(int port) => ScapyPacket.Build(
        $"Ether(dst=\"02:00:00:00:00:01\", src=\"00:00:00:00:00:02\")/IP(src=\"10.0.0.2\", dst=\"10.0.100.1\")/TCP(sport={port}, dport=80, flags=\"S\")");

    private static async Task<(ControllerHost Host, Microsoft.AspNetCore.Builder.WebApplication App, string Admin)> StartAsync(SimulatorHarness sim, string yaml)
    {
        var policies = new LoadBalancingPolicyRegistry();
        var config = ConfigLoader.Load(ExampleConfig.OnSimulator(yaml, sim),
            "health.yaml", n => policies.TryGet(n, out _));
        var host = ControllerHost.Start(config, RepoPaths.Root, policies, new SwitchAgentOptions(), NullLoggerFactory.Instance);
        await Eventually.WaitUntil(() => host.Agents[0].IsReady);
        var admin = $"127.0.0.1:{FreePorts.Next()}";
        return (host, await AdminApi.StartAsync(host, admin, CancellationToken.None), admin);
    }

    [Fact]
    public async Task HeldDownBackend_LeavesSelection_AndItsConnectionsAreRemovedWhenTheCheckSaysSo()
    {
        var flag = Path.Combine(_dir, "web1-up");
        File.WriteAllText(flag, "");
        var yaml = ExampleConfig.Yaml.Replace("    weight: 1\n  - name: web2", "    weight: 1\n    health_check: flag\n  - name: web2") + $"""

            health_checks:
              - name: flag
                type: script
                command: /bin/sh
                arguments: ["-c", "test -e {flag}"]
                interval: 200ms
                timeout: 150ms
                hold_down: 30s
                held_down_connections: remove
            """;
        await using var sim = await SimulatorHarness.StartAsync();
        var (host, app, admin) = await StartAsync(sim, yaml);
        await using var _ = host;
        await using var __ = app;
        var web1 = host.Config.Backends.Single(b => b.Name == "web1").Id;

        var port = 40000;
        while (host.Agents[0].ConnectionTable.Snapshot().Count(c => c.Connection.BackendId == web1) < 3)
        {
            sim.Inject(1, Syn(port++));
            await Eventually.WaitUntil(() => host.Agents[0].Connections == port - 40000);
        }
        var others = host.Agents[0].Connections - 3;

        File.Delete(flag);
        await Eventually.WaitUntil(() => host.Health.Snapshot().Single(h => h.Backend == "web1").State == HealthState.HoldDown, TimeSpan.FromSeconds(5));
        await Eventually.WaitUntil(() => host.Config.Backends.Single(b => b.Id == web1).Weight == 0 && host.Agents[0].ConnectionTable.Backends.Contains(web1) == false,
            TimeSpan.FromSeconds(10));
        Assert.Equal(others, host.Agents[0].Connections);

        // New connections avoid it, in the switch's own selection.
        for (var i = 0; i < 30; i++)
            sim.Inject(1, Syn(port++));
        await Eventually.WaitUntil(() => host.Agents[0].Connections == others + 30);
        Assert.DoesNotContain(host.Agents[0].ConnectionTable.Snapshot(), c => c.Connection.BackendId == web1);

        var table = ProgramProcess.Run("offloadctl.dll", "backends", "--controller", admin);
        Assert.True(table.ExitCode == 0, table.Output);
        Assert.Matches(@"web1 .* held down .* HOLD_DOWN .* 0 .* 1 .* 0 .* \+*-+", table.Output);
        Assert.Contains("sh exited 1", ProgramProcess.Run("offloadctl.dll", "backends", "--json", "--controller", admin).Output);
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"http://{admin}/metrics");
        Assert.Contains("offload_backend_health{backend=\"web1\",state=\"HOLD_DOWN\"} 1", metrics);
        Assert.Contains("offload_backend_selectable{backend=\"web1\"} 0", metrics);
        Assert.Contains("offload_backend_weight{backend=\"web1\"} 0", metrics);
        Assert.Contains("offload_health_transitions_total{to=\"HOLD_DOWN\"} 1", metrics);
        Assert.Matches("offload_probes_total [1-9]", metrics);
    }

    [Fact]
    public async Task AgentReports_PushedOverHttp_DriveHoldDownAndLoadWeights()
    {
        var yaml = ExampleConfig.Yaml
            .Replace("    weight: 1\n  - name: web2", "    weight: 1\n    health_check: tcp\n    agent: 127.0.0.1:1\n    agent_service: web\n  - name: web2")
            .Replace("    switch_port: 2\n    weight: 2", "    switch_port: 2\n    weight: 2\n    health_check: tcp\n    agent: 127.0.0.1:1\n    agent_service: web") + """

            health_checks:
              - name: tcp
                type: tcp
                interval: 1m
                timeout: 1s
                weight_from_load: true
            """;
        await using var sim = await SimulatorHarness.StartAsync();
        var (host, app, admin) = await StartAsync(sim, yaml);
        await using var _ = host;
        await using var __ = app;
        using var http = new HttpClient { BaseAddress = new Uri($"http://{admin}") };
        int Weight(string name) => host.Config.Backends.Single(b => b.Name == name).Weight;

        // Before any report: full headroom, weights in tenths.
        Assert.Equal((10, 1, 20), (Weight("web1"), Weight("web2"), Weight("web3")));

        var report = new AgentReport("127.0.0.1:1", "backend-host", DateTimeOffset.UtcNow,
            [new ServiceReport("web", ServiceStates.Running, 42, "process 42 (web)", 0, 10)], new LoadReport(0.7, 0.2, 12));
        var accepted = await http.PostAsync("/api/agent-reports", new ByteArrayContent(report.ToJson()));
        Assert.Equal("{\"backends\":2}", await accepted.Content.ReadAsStringAsync());
        await Eventually.WaitUntil(() => Weight("web1") == 3 && Weight("web3") == 6);

        var down = report with { Services = [new ServiceReport("web", ServiceStates.NotRunning, null, "no PID file", 0, 0)] };
        await http.PostAsync("/api/agent-reports", new ByteArrayContent(down.ToJson()));
        await Eventually.WaitUntil(() => Weight("web1") == 0 && Weight("web3") == 0);
        Assert.All(host.Health.Snapshot().Where(h => h.Backend != "web2"), h => Assert.Equal(HealthState.HoldDown, h.State));
        var backends = JsonDocument.Parse(await http.GetStringAsync("/api/backends")).RootElement.EnumerateArray().ToDictionary(b => b.GetProperty("name").GetString()!);
        Assert.Equal("agent: not running", backends["web1"].GetProperty("state").GetString());
        Assert.Equal("NOT RUNNING", backends["web1"].GetProperty("agent").GetString());
        Assert.Equal(0.7, backends["web1"].GetProperty("cpu").GetDouble());

        var bad = await http.PostAsync("/api/agent-reports", new StringContent("{\"agent\":\"x\",\"services\":[{\"name\":\"web\",\"state\":\"FINE\"}],\"load\":{\"cpu\":0,\"memory\":0,\"connections\":0}}"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("is not RUNNING, NOT RUNNING or STARTING", await bad.Content.ReadAsStringAsync());
    }
}
