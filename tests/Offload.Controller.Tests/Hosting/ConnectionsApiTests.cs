using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Offload.Controller.Configuration;
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

/// <summary>offloadctl connections, watch and applications: what the admin API reports, filtered, paged and live.</summary>
public sealed class ConnectionsApiTests
{
    [Fact]
    public async Task Connections_ListedByVipAndBackend_Paged()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var policies = new LoadBalancingPolicyRegistry();
        var yaml = ExampleConfig.OnSimulator(ExampleConfig.Yaml, sim)
            .Replace("pool: [web1, web2, web3]", "pool: [web1]");
        var config = ConfigLoader.Load(yaml, "connections.yaml", n => policies.TryGet(n, out _));
        await using var host = ControllerHost.Start(config, RepoPaths.Root, policies, new SwitchAgentOptions(), NullLoggerFactory.Instance);
        await Eventually.WaitUntil(() => host.Agents[0].IsReady);
        var admin = $"127.0.0.1:{FreePorts.Next()}";
        await using var app = await AdminApi.StartAsync(host, admin, CancellationToken.None);

        foreach (var port in new[] { 46000, 46001, 46002 })
            sim.Inject(1, ScapyPacket.Build($"Ether(dst=\"02:00:00:00:00:01\", src=\"00:00:00:00:00:02\")/IP(src=\"10.0.0.2\", dst=\"10.0.100.1\")/TCP(sport={port}, dport=80, flags=\"S\")"));
        await Eventually.WaitUntil(() => host.Agents[0].Connections == 3);

        var all = ProgramProcess.Run("offloadctl.dll", "connections", "--vip", "web", "--controller", admin);
        Assert.True(all.ExitCode == 0, all.Output);
        Assert.Contains("10.0.0.2:46000", all.Output);
        Assert.Contains("10.0.100.1:80", all.Output);
        Assert.Contains("1-3 of 3", all.Output);
        Assert.Contains("2-2 of 3", ProgramProcess.Run("offloadctl.dll", "connections", "--per-page", "1", "--page", "2", "--controller", admin).Output);
        Assert.Contains("no connections on this page (0 in all)", ProgramProcess.Run("offloadctl.dll", "connections", "--backend", "web2", "--controller", admin).Output);
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"http://{admin}/metrics");
        Assert.Contains("offload_connections_pinned_total{switch=\"s1\"} 3", metrics);
        Assert.Contains("offload_active_connections{backend=\"web1\"} 3", metrics);
        Assert.Matches("offload_write_latency_seconds_count\\{switch=\"s1\"\\} [1-9]", metrics);
        Assert.Contains("offload_write_latency_seconds_bucket{switch=\"s1\",le=\"+Inf\"}", metrics);
        Assert.Contains("offload_vip_active_connections{vip=\"web\"} 3", metrics);
        Assert.Contains("offload_digest_backlog{switch=\"s1\"} 0", metrics);
        Assert.DoesNotContain("offload_new_connections_per_second", metrics);
        Assert.Matches(@"process_cpu_seconds_total \d", metrics);
        Assert.Matches(@"process_resident_memory_bytes [1-9]", metrics);
        Assert.Matches(@"process_open_fds [1-9]", metrics);
        Assert.Matches(@"offload_build_info\{version=""[^""]+"",commit=""[^""]+"",runtime="".NET [^""]+""\} 1", metrics);
        Assert.Contains("offload_switch_connected{switch=\"s1\"} 1", metrics);
        Assert.Contains("offload_switch_counters_up{switch=\"s1\"} 1", metrics);
        Assert.Contains("offload_switch_vip_packets_total{switch=\"s1\",vip=\"web\"} 3", metrics);
        Assert.Matches("offload_switch_vip_bytes_total\\{switch=\"s1\",vip=\"web\"\\} [1-9]", metrics);

        // A packet to no route is dropped by reason, as the switch counted it.
        sim.Inject(1, ScapyPacket.Build("Ether(dst=\"02:00:00:00:00:01\", src=\"00:00:00:00:00:02\")/IP(src=\"10.0.0.2\", dst=\"203.0.113.9\")/UDP(sport=1, dport=2)"));
        await Eventually.WaitUntil(async () => (await http.GetStringAsync($"http://{admin}/metrics")).Contains("offload_switch_drops_total{switch=\"s1\",reason=\"no_route\",stage=\"ingress\"} 1"));
        Assert.Equal("ok\n", await http.GetStringAsync($"http://{admin}/healthz"));
        Assert.Equal("ready\n", await http.GetStringAsync($"http://{admin}/readyz"));

        // An established segment hits the pinned entry: --live shows the switch's count for that connection.
        sim.Inject(1, ScapyPacket.Build($"Ether(dst=\"02:00:00:00:00:01\", src=\"00:00:00:00:00:02\")/IP(src=\"10.0.0.2\", dst=\"10.0.100.1\")/TCP(sport=46000, dport=80, flags=\"A\")"));
        var live = ProgramProcess.Run("offloadctl.dll", "connections", "--live", "--json", "--controller", admin);
        Assert.True(live.ExitCode == 0, live.Output);
        var rows = System.Text.Json.JsonDocument.Parse(live.Output).RootElement.GetProperty("connections").EnumerateArray().ToList();
        Assert.Equal(1, rows.Single(r => r.GetProperty("client").GetString() == "10.0.0.2:46000").GetProperty("packets").GetInt64());
        Assert.Equal(0, rows.Single(r => r.GetProperty("client").GetString() == "10.0.0.2:46001").GetProperty("packets").GetInt64());

        var watch = ProgramProcess.Run("offloadctl.dll", "watch", "--count", "2", "--interval", "0.1", "--controller", admin);
        Assert.True(watch.ExitCode == 0, watch.Output);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(watch.Output, "digest backlog").Count);
        Assert.Contains("web1", watch.Output);

        var unknown = ProgramProcess.Run("offloadctl.dll", "connections", "--vip", "nope", "--controller", admin);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no VIP named 'nope'", unknown.Output);
    }

    [Fact]
    public async Task Applications_CountWhatEachApplicationWasSent()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var policies = new LoadBalancingPolicyRegistry();
        var config = ExampleConfig.Load(y => ExampleConfig.DeliveredToTwoApplications(ExampleConfig.OnSimulator(y, sim)), "applications.yaml");
        await using var host = ControllerHost.Start(config, RepoPaths.Root, policies, new SwitchAgentOptions(), NullLoggerFactory.Instance);
        await Eventually.WaitUntil(() => host.Agents[0].IsReady);
        var admin = $"127.0.0.1:{FreePorts.Next()}";
        await using var app = await AdminApi.StartAsync(host, admin, CancellationToken.None);

        foreach (var port in new[] { 47000, 47001 })
            sim.Inject(1, ScapyPacket.Build($"Ether(dst=\"02:00:00:00:00:01\", src=\"00:00:00:00:00:02\")/IP(src=\"10.0.0.2\", dst=\"10.0.100.1\")/TCP(sport={port}, dport=80, flags=\"S\")"));

        var table = ProgramProcess.Run("offloadctl.dll", "applications", "--controller", admin);
        Assert.True(table.ExitCode == 0, table.Output);
        Assert.Matches("ids .* 3 .* web .* 2 ", table.Output);
        Assert.Matches("impl2 .* 4 .* 10.0.4.4 .* web .* 2 ", table.Output);
    }

}
