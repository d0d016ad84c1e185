using Offload.Tests.Common.Topology;
using Offload.Topology.Network;
using Offload.Topology.Running;
using Offload.Topology.Scenarios;
using Offload.Topology.Traffic;

namespace Offload.Bench;

/// <summary>
/// `bench multiplex`: the default topology with its multiplex VIP (198.18.100.4:443) and, in the same run, a plain
/// NAT VIP (198.18.100.5:9001, selected in the data plane) in front of the same kind of client-first echo service on
/// the same host. New connections: one after another, each to its first echoed byte (the splice costs the controller's
/// round trips). An established connection: 64 MB up and back, which after the splice is the switch's fast path alone.
/// </summary>
internal static class MultiplexSuite
{
    private const int Connections = 300;
    private const long Bytes = 64L << 20;

    public static async Task RunAsync()
    {
        Console.WriteLine($"== multiplex: {Connections} new connections and {Bytes >> 20} MB through a splice, against a plain NAT VIP");
        if (!SystemCommand.IsRoot)
        {
            Console.WriteLine("  skipped: needs root (network namespaces)");
            return;
        }
        using var topology = new DefaultTopologyCopy(multiplex: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await using var run = await TopologyRun.UpAsync(topology.Spec, topology.Prefix, _ => { }, timeout.Token);
        var context = new ScenarioContext(run, _ => { });
        var spliced = ScenarioContext.Endpoint(context.Config.Vips.First(v => v.Name == "edge"));
        var plain = ScenarioContext.Endpoint(context.Config.Vips.First(v => v.Name == "plain"));
        var client = context.Client.Name;

        // Warm both paths (JIT, ARP) before measuring.
        await context.FirstByteAsync(client, plain, 20, timeout.Token);
        await context.FirstByteAsync(client, spliced, 20, timeout.Token);
        var plainNew = await context.FirstByteAsync(client, plain, Connections, timeout.Token);
        var splicedNew = await context.FirstByteAsync(client, spliced, Connections, timeout.Token);
        var plainBulk = await context.StreamAsync(client, plain, Bytes, timeout.Token);
        var splicedBulk = await context.StreamAsync(client, spliced, Bytes, timeout.Token);

        Console.WriteLine();
        Console.WriteLine($"{"",-34} {"conn/s",8} {"first byte p50 ms",18} {"p90 ms",8} {"failed",7} {"MB/s (64 MB echoed)",20} {"intact",7}");
        Console.WriteLine(new string('-', 108));
        void Row(string name, FirstByteReport f, StreamReport s) =>
            Console.WriteLine($"{name,-34} {f.PerSecond,8:F0} {f.P50Ms,18:F2} {f.P90Ms,8:F2} {f.Failed,7} {s.Sent / s.Seconds / 1e6,20:F1} {s.Intact,7}");
        Row("plain NAT VIP (baseline)", plainNew, plainBulk);
        Row("multiplex VIP, spliced", splicedNew, splicedBulk);
        Console.WriteLine();
        Console.WriteLine($"× baseline: new connections/s {splicedNew.PerSecond / plainNew.PerSecond:F2}, first byte p50 {splicedNew.P50Ms / plainNew.P50Ms:F2}, "
                          + $"bytes/s through an established connection {splicedBulk.Sent / splicedBulk.Seconds / (plainBulk.Sent / plainBulk.Seconds):F2}");
    }
}
