using System.Globalization;
using System.Text.RegularExpressions;
using Offload.Tests.Common.Topology;
using Offload.Topology.Network;
using Offload.Topology.Running;

namespace Offload.Bench;

/// <summary>
/// `bench topology`: HTTP through the default topology's VIP (offload-sim and the controller) with wrk from the client
/// namespace, and in the same run the same traffic through the Linux kernel alone: plain routing between the same
/// namespaces, and an nftables DNAT load balancer over the same three backends (IPVS is not in every kernel).
/// </summary>
internal static partial class TopologySuite
{
    private const int Connections = 16;

    public static async Task RunAsync(TimeSpan duration)
    {
        Console.WriteLine($"== topology: wrk -t2 -c{Connections} from the client namespace, {duration.TotalSeconds:0} s per measurement");
        if (!SystemCommand.IsRoot || SystemCommand.Run("/bin/sh", "-c", "command -v wrk && command -v nft").ExitCode != 0)
        {
            Console.WriteLine("  skipped: needs root, wrk and nftables (make deps installs them)");
            return;
        }
        var rows = new List<(string Path, Wrk KeepAlive, Wrk Close)>();
        rows.Add(await ThroughSimulatorAsync(duration));
        var kernel = await ThroughKernelAsync(duration);
        rows.AddRange(kernel);

        var routed = kernel[0];
        Console.WriteLine();
        Console.WriteLine($"{"path",-44} {"req/s",9} {"p50 ms",7} {"p99 ms",7} {"conn/s",8} {"p50 ms",7} {"p99 ms",7} {"× kernel req/s",15} {"× kernel conn/s",16}");
        Console.WriteLine(new string('-', 130));
        foreach (var (path, keep, close) in rows)
            Console.WriteLine($"{path,-44} {keep.PerSecond,9:F0} {keep.P50,7:F2} {keep.P99,7:F2} {close.PerSecond,8:F0} {close.P50,7:F2} {close.P99,7:F2} {keep.PerSecond / routed.KeepAlive.PerSecond,15:F3} {close.PerSecond / routed.Close.PerSecond,16:F3}");
        Console.WriteLine("  req/s: keep-alive requests; conn/s: one connection per request (Connection: close), each a new flow to place.");
    }

    private static async Task<(string Path, Wrk KeepAlive, Wrk Close)> ThroughSimulatorAsync(TimeSpan duration)
    {
        using var topology = new DefaultTopologyCopy();
        await using var run = await TopologyRun.UpAsync(topology.Spec, "bench", _ => { }, CancellationToken.None);
        var ns = run.Namespace("client");
        Console.WriteLine("  offload-sim + controller: running wrk");
        return ("offload-sim (VIP, per-connection NAT)", WrkIn(ns, "http://198.18.100.1/", duration, close: false),
            WrkIn(ns, "http://198.18.100.1/", duration, close: true));
    }

    /// <summary>The same hosts and addresses joined by a router namespace instead of the switch.</summary>
    private static async Task<List<(string Path, Wrk KeepAlive, Wrk Close)>> ThroughKernelAsync(TimeSpan duration)
    {
        var prefix = $"kb{Environment.ProcessId % 1000}";
        var router = $"{prefix}-r";
        var hosts = new[] { ("client", "198.18.0.2/24", "198.18.0.1/24"), ("web1", "198.18.1.11/24", "198.18.1.1/24"),
            ("web2", "198.18.2.12/24", "198.18.2.1/24"), ("web3", "198.18.3.13/24", "198.18.3.1/24") };
        var servers = new List<ManagedProcess>();
        var namespaces = new List<string> { router };
        try
        {
            SystemCommand.Check("ip", "netns", "add", router);
            In(router, "ip", "link", "set", "lo", "up");
            In(router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
            foreach (var (name, address, gateway) in hosts)
            {
                var ns = $"{prefix}-{name}";
                namespaces.Add(ns);
                SystemCommand.Check("ip", "netns", "add", ns);
                SystemCommand.Check("ip", "link", "add", $"{prefix}{name}", "netns", router, "type", "veth", "peer", "name", "eth0", "netns", ns);
                In(router, "ip", "addr", "add", gateway, "dev", $"{prefix}{name}");
                In(router, "ip", "link", "set", $"{prefix}{name}", "up");
                In(ns, "ip", "link", "set", "lo", "up");
                In(ns, "ip", "addr", "add", address, "dev", "eth0");
                In(ns, "ip", "link", "set", "eth0", "up");
                In(ns, "ip", "route", "add", "default", "via", gateway.Split('/')[0]);
                if (name.StartsWith("web", StringComparison.Ordinal))
                    servers.Add(ManagedProcess.Start(name, ns, "dotnet", [Path.Combine(TopologyRun.ProgramDirectory, "offload-topo.dll"), "serve", "http", "--name", name, "--port", "8080"], Path.Combine(Path.GetTempPath(), $"{prefix}-{name}.log")));
            }
            var client = $"{prefix}-client";
            foreach (var server in servers)
                await server.WaitForLineAsync(Serving(), TimeSpan.FromSeconds(30));
            Console.WriteLine("  kernel routing: running wrk");
            var routed = ("Linux kernel, routed to one backend", WrkIn(client, "http://198.18.1.11:8080/", duration, close: false), WrkIn(client, "http://198.18.1.11:8080/", duration, close: true));
            var rules = "table ip offload_bench {\n chain pre {\n  type nat hook prerouting priority -100;\n  ip daddr 198.18.100.1 tcp dport 80 "
                + "dnat to numgen inc mod 3 map { 0 : 198.18.1.11, 1 : 198.18.2.12, 2 : 198.18.3.13 } : 8080\n }\n}\n";
            var rulesFile = Path.Combine(Path.GetTempPath(), $"{prefix}.nft");
            File.WriteAllText(rulesFile, rules);
            In(router, "nft", "-f", rulesFile);
            File.Delete(rulesFile);
            Console.WriteLine("  nftables DNAT: running wrk");
            var dnat = ("Linux kernel, nftables DNAT over 3 backends", WrkIn(client, "http://198.18.100.1/", duration, close: false), WrkIn(client, "http://198.18.100.1/", duration, close: true));
            return [routed, dnat];
        }
        finally
        {
            foreach (var server in servers)
                server.Dispose();
            foreach (var ns in namespaces)
                SystemCommand.Run("ip", "netns", "del", ns);
        }
    }

    private static void In(string ns, string file, params string[] args) => SystemCommand.Check("ip", ["netns", "exec", ns, file, .. args]);

    private sealed record Wrk(double PerSecond, double P50, double P99);

    private static Wrk WrkIn(string ns, string url, TimeSpan duration, bool close)
    {
        string[] header = close ? ["-H", "Connection: close"] : [];
        var output = SystemCommand.Check("ip", ["netns", "exec", ns, "wrk", "-t2", $"-c{Connections}", $"-d{(int)Math.Max(1, duration.TotalSeconds)}s", "--latency", .. header, url]);
        var rate = RequestsPerSecond().Match(output);
        if (!rate.Success)
            throw new InvalidOperationException($"wrk printed no Requests/sec: {output}");
        var errors = SocketErrors().Match(output);
        if (errors.Success)
            Console.WriteLine($"  wrk {url}{(close ? " (close)" : "")}: {errors.Value.Trim()}");
        return new Wrk(double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture), Percentile(output, "50%"), Percentile(output, "99%"));
    }

    private static double Percentile(string output, string which)
    {
        var match = Regex.Match(output, $@"^\s*{Regex.Escape(which)}\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        if (!match.Success)
            return double.NaN;
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"Socket errors:.*")]
    private static partial Regex SocketErrors();

    [GeneratedRegex("serving http")]
    private static partial Regex Serving();
}
