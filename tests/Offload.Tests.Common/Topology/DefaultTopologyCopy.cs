using Offload.Topology.Model;

namespace Offload.Tests.Common.Topology;

/// <summary>
/// topologies/default.yaml and its controller configuration, copied into a temporary directory with free P4Runtime
/// and admin ports, run under a prefix of its own so nothing clashes with another run (tests and benchmarks).
/// </summary>
public sealed class DefaultTopologyCopy : IDisposable
{
    private static int _sequence;
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("offload-topo-");

    /// <param name="standbyController">add controller c2 with the same configuration but election id 5: c1's backup</param>
    /// <param name="standbySwitch">add switch s2, wired in parallel with s1 and its standby (virtual MAC, uplink port 1 toward the client)</param>
    /// <param name="etcd">run an etcd in the topology and replicate the controller's connection table to it</param>
    /// <param name="multiplex">add VIP edge 198.18.100.4:443 (mode multiplex): TLS to web1:8443, SOCKS5 to microsocks on web2:1080,
    /// HTTP to web3:8088 (requests under /api/ to web2:8089, each on its own), anything else to a client-first echo (socat) on web3:9000; VIP plain 198.18.100.5:9001, the same echo plainly
    /// NATed; and VIP resume 198.18.100.6:443 (multiplex, TLS session affinity) over openssl s_server on web1 and web2, port 8444</param>
    public DefaultTopologyCopy(Func<string, string>? editController = null, bool standbyController = false, bool standbySwitch = false, bool etcd = false,
        bool multiplex = false)
    {
        var p4runtime = FreePorts.Next();
        var admin = FreePorts.Next();
        var topology = File.ReadAllText(RepoPaths.Get("topologies", "default.yaml"))
            .Replace("p4runtime_port: 9559", $"p4runtime_port: {p4runtime}")
            .Replace("admin: 127.0.0.1:9580", $"admin: 127.0.0.1:{admin}");
        var controller = File.ReadAllText(RepoPaths.Get("topologies", "default.controller.yaml"))
            .Replace("address: 127.0.0.1:9559", $"address: 127.0.0.1:{p4runtime}");
        var controllerSettings = new List<string>();
        if (standbySwitch)
        {
            var standbyPort = FreePorts.Next();
            topology = topology.Replace("    cpu_port: 255\n\nhosts:",
                $"    cpu_port: 255\n  - name: s2\n    kind: sim\n    device_id: 1\n    p4runtime_port: {standbyPort}\n    cpu_port: 255\n    standby_for: s1\n\nhosts:");
            controller = controller.Replace("    router_mac: 00:aa:00:00:00:01\n",
                "    router_mac: 00:aa:00:00:00:01\n    virtual_mac: 00:00:5e:00:01:01\n    uplinks: [{port: 1, neighbor: 198.18.0.2}]\n"
                + $"    standby:\n      - {{name: s2, address: 127.0.0.1:{standbyPort}, device_id: 1, router_mac: \"00:aa:00:00:00:02\"}}\n");
            controllerSettings.Add("port_probe_interval: 100ms");
        }
        if (etcd)
        {
            var (client, peer) = (FreePorts.Next(), FreePorts.Next());
            topology += $"\netcd: {{client_port: {client}, peer_port: {peer}}}\n";
            controllerSettings.Add($"etcd: 127.0.0.1:{client}");
        }
        if (multiplex)
        {
            const string sessionServer = "      - {kind: command, port: 8444, command: \"openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=offload -days 1 "
                + "-keyout /tmp/offload-s$$.key -out /tmp/offload-s$$.crt 2>/dev/null && exec openssl s_server -accept 8444 -cert /tmp/offload-s$$.crt "
                + "-key /tmp/offload-s$$.key -www -quiet\"}\n";
            topology = topology
                .Replace("      - {kind: echo, port: 7007}\n  - name: web2", "      - {kind: echo, port: 7007}\n      - {kind: https, port: 8443}\n" + sessionServer + "  - name: web2")
                .Replace("      - {kind: echo, port: 7007}\n  - name: web3", "      - {kind: echo, port: 7007}\n      - {kind: socks5, port: 1080}\n      - {kind: http, port: 8089}\n" + sessionServer + "  - name: web3")
                .Replace("      - {kind: echo, port: 7007}\n  - name: ids1", "      - {kind: echo, port: 7007}\n      - {kind: http, port: 8088}\n"
                    + "      - {kind: command, port: 9000, command: \"socat TCP-LISTEN:9000,fork,reuseaddr EXEC:cat\"}\n"
                    + "      - {kind: command, port: 9001, command: \"socat TCP-LISTEN:9001,fork,reuseaddr EXEC:cat\"}\n  - name: ids1");
            controller = controller
                .Replace("backends:\n", "backends:\n"
                    + "  - {name: tls1, address: 198.18.1.11, port: 8443, mac: \"00:00:00:00:01:11\", switch_port: 2}\n"
                    + "  - {name: socks1, address: 198.18.2.12, port: 1080, mac: \"00:00:00:00:02:12\", switch_port: 3}\n"
                    + "  - {name: http1, address: 198.18.3.13, port: 8088, mac: \"00:00:00:00:03:13\", switch_port: 4}\n"
                    + "  - {name: vpn1, address: 198.18.3.13, port: 9000, mac: \"00:00:00:00:03:13\", switch_port: 4}\n"
                    + "  - {name: plain1, address: 198.18.3.13, port: 9001, mac: \"00:00:00:00:03:13\", switch_port: 4}\n"
                    + "  - {name: api1, address: 198.18.2.12, port: 8089, mac: \"00:00:00:00:02:12\", switch_port: 3}\n"
                    + "  - {name: sess1, address: 198.18.1.11, port: 8444, mac: \"00:00:00:00:01:11\", switch_port: 2}\n"
                    + "  - {name: sess2, address: 198.18.2.12, port: 8444, mac: \"00:00:00:00:02:12\", switch_port: 3}\n")
                .Replace("vips:\n", "vips:\n"
                    + "  - name: edge\n    address: 198.18.100.4\n    protocol: tcp\n    port: 443\n    mode: multiplex\n    algorithm: round_robin\n"
                    + "    multiplex: {tls: [tls1], socks5: [socks1], http: [http1], other: [vpn1]}\n"
                    + "    http_routes: [{path_prefix: /api/, pool: [api1]}]\n"
                    + "  - name: plain\n    address: 198.18.100.5\n    protocol: tcp\n    port: 9001\n    pool: [plain1]\n"
                    + "  - name: resume\n    address: 198.18.100.6\n    protocol: tcp\n    port: 443\n    mode: multiplex\n    algorithm: round_robin\n"
                    + "    affinity: tls_session\n    multiplex: {tls: [sess1, sess2]}\n");
        }
        if (controllerSettings.Count > 0)
            controller += "\ncontroller:\n" + string.Concat(controllerSettings.Select(c => $"  {c}\n"));
        controller = editController?.Invoke(controller) ?? controller;
        if (standbyController)
        {
            topology += $"  - name: c2\n    config: standby.controller.yaml\n    admin: 127.0.0.1:{FreePorts.Next()}\n";
            File.WriteAllText(System.IO.Path.Combine(_directory.FullName, "standby.controller.yaml"), controller.Replace("election_id: 10", "election_id: 5"));
        }
        Path = System.IO.Path.Combine(_directory.FullName, "default.yaml");
        File.WriteAllText(Path, topology);
        File.WriteAllText(System.IO.Path.Combine(_directory.FullName, "default.controller.yaml"), controller);
        Spec = TopologyLoader.LoadFile(Path);
        Prefix = $"t{Environment.ProcessId % 100}{Interlocked.Increment(ref _sequence) % 100}";
    }

    public string Path { get; }
    public TopologySpec Spec { get; }
    public string Prefix { get; }

    public void Dispose() => _directory.Delete(recursive: true);
}
