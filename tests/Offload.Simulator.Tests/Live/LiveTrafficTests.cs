using System.Diagnostics;
using Offload.Grpc.Client;
using Offload.P4Runtime.Entities;
using Offload.P4Runtime.Schema;
using Offload.P4Runtime.Session;
using Offload.Simulator.Device;
using Offload.Tests.Common;
using Offload.Tests.Common.Live;
using P4.V1;
using Xunit;

namespace Offload.Simulator.Tests.Live;

/// <summary>
/// Real hosts in network namespaces joined through offload-sim on veth pairs, entries installed over P4Runtime:
/// ping and HTTP (curl against a real server) pass through it, routed and through a VIP with NAT both ways.
/// </summary>
[Collection("live network")]
public sealed class LiveTrafficTests
{
    private static readonly P4InfoIndex P4Info = OffloadP4Info.Index;

    [Fact]
    public async Task PingAndHttp_ThroughTheSimulator_RoutedAndViaVip()
    {
        using var network = new LiveNetwork();
        var client = network.AddNamespace("c");
        var server = network.AddNamespace("s");
        var (clientSwitchEnd, clientEnd) = network.AddLink("p1", client);
        var (serverSwitchEnd, serverEnd) = network.AddLink("p2", server);
        network.Exec(client, "ip", "addr", "add", "10.0.0.2/24", "dev", clientEnd);
        network.Exec(client, "ip", "route", "add", "default", "via", "10.0.0.1");
        network.Exec(server, "ip", "addr", "add", "10.0.1.11/24", "dev", serverEnd);
        network.Exec(server, "ip", "route", "add", "default", "via", "10.0.1.1");
        var clientMac = LiveNetwork.MacOf(network.Exec(client, "ip", "link", "show", clientEnd));
        var serverMac = LiveNetwork.MacOf(network.Exec(server, "ip", "link", "show", serverEnd));

        var root = Directory.CreateTempSubdirectory("offload-www-");
        var blob = new byte[2 * 1024 * 1024];
        Random.Shared.NextBytes(blob);
        await File.WriteAllBytesAsync(Path.Combine(root.FullName, "blob.bin"), blob);
        await File.WriteAllTextAsync(Path.Combine(root.FullName, "index.html"), "hello from backend 1\n");
        using var http = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", server, PythonPeer.Python, "-m", "http.server", "8080", "--bind", "10.0.1.11", "--directory", root.FullName])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        try
        {
            using var sim = await SimulatorProcess.StartAsync("-i", $"1@{clientSwitchEnd}", "-i", $"2@{serverSwitchEnd}", "--pcap-dir", root.FullName);
            using var channel = GrpcChannel.ForAddress($"127.0.0.1:{sim.GrpcPort}");
            var controller = new TestController(channel, 0);
            await using var session = await controller.PrimaryAsync(1);
            await ProgramAsync(controller.Client(1), RoutingEntries(clientMac, serverMac));

            var ping = network.TryExec(client, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.0.1.11");
            Assert.True(ping.ExitCode == 0, $"ping through offload-sim failed: {ping.Output}\n{sim.Log}");

            await Eventually.WaitUntil(() => network.TryExec(server, "curl", "-s", "-o", "/dev/null", "http://10.0.1.11:8080/").ExitCode == 0);
            var routed = network.TryExec(client, "curl", "-s", "--max-time", "10", "http://10.0.1.11:8080/");
            Assert.True(routed.ExitCode == 0 && routed.Output == "hello from backend 1\n", $"routed HTTP failed: {routed.Output}\n{sim.Log}\n{Capture(root.FullName)}");

            // The endpoint fallback rewrites every reply of 10.0.1.11:8080, so it goes in once direct access is done.
            await ProgramAsync(controller.Client(1), VipEntries());
            var viaVip = network.TryExec(client, "curl", "-s", "--max-time", "10", "http://10.0.100.1/");
            Assert.True(viaVip.ExitCode == 0 && viaVip.Output == "hello from backend 1\n", $"HTTP to the VIP failed: {viaVip.Output}\n{sim.Log}");

            var download = Path.Combine(root.FullName, "downloaded.bin");
            var transfer = network.TryExec(client, "curl", "-s", "--max-time", "60", "-o", download, "http://10.0.100.1/blob.bin");
            Assert.True(transfer.ExitCode == 0, $"2 MiB through the VIP failed: {transfer.Output}");
            Assert.Equal(blob, await File.ReadAllBytesAsync(download));
        }
        finally
        {
            http.Kill(entireProcessTree: true);
            root.Delete(recursive: true);
        }
    }

    private static string Capture(string directory) => string.Join("\n", Directory.GetFiles(directory, "port-*.pcap")
        .Select(f => f + ":\n" + Shell.Run("/usr/bin/tshark", "-r", f, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE").Output));

    private static Entity E(string table, Func<TableEntryBuilder, TableEntryBuilder> build) =>
        new() { TableEntry = build(new TableEntryBuilder(P4Info, table)).Build() };

    private static Entity[] RoutingEntries(string clientMac, string serverMac) =>
    [
        E("router_macs", b => b.Exact("eth_dst", "00:aa:00:00:00:01").Action("set_routable")),
        E("router_macs", b => b.Exact("eth_dst", "00:aa:00:00:00:02").Action("set_routable")),
        E("arp_targets", b => b.Exact("target_ipv4", "10.0.0.1").Action("reply_arp", ("mac", "00:aa:00:00:00:01"))),
        E("arp_targets", b => b.Exact("target_ipv4", "10.0.1.1").Action("reply_arp", ("mac", "00:aa:00:00:00:02"))),
        E("routing_v4", b => b.Lpm("ipv4_dst", "10.0.0.2/32").Action("set_next_hop", ("port", 1), ("src_mac", "00:aa:00:00:00:01"), ("dst_mac", clientMac))),
        E("routing_v4", b => b.Lpm("ipv4_dst", "10.0.1.11/32").Action("set_next_hop", ("port", 2), ("src_mac", "00:aa:00:00:00:02"), ("dst_mac", serverMac))),
    ];

    private static Entity[] VipEntries() =>
    [
        E("vip_v4", b => b.Exact("ipv4_dst", "10.0.100.1").Exact("ip_proto", 6).Exact("l4_dst_port", 80).Action("set_vip", ("vip_id", 1), ("mode", 0), ("punt_non_syn", 0))),
        E("backend_select", b => b.Exact("vip_id", 1).Exact("pool_version", 0).ActionSet([("set_backend_id", new Dictionary<string, P4Value> { ["backend_id"] = 1 }, 1, null)])),
        E("backends", b => b.Exact("backend_id", 1).Action("set_backend_v4", ("ipv4_addr", "10.0.1.11"), ("l4_port", 8080))),
        E("reverse_endpoint_v4", b => b.Exact("ipv4_src", "10.0.1.11").Exact("ip_proto", 6).Exact("l4_src_port", 8080)
            .Action("reverse_nat_v4", ("backend_id", 1), ("vip_addr", "10.0.100.1"), ("vip_port", 80), ("seq_delta", 0), ("ack_delta", 0))),
    ];

    private static async Task ProgramAsync(P4RuntimeClient client, Entity[] entities) =>
        (await client.WriteAsync(entities.Select(P4RuntimeClient.Insert).ToList())).ThrowIfFailed();
}
