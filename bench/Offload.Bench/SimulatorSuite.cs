using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Offload.Grpc.Client;
using Offload.Grpc.Server;
using Offload.P4Runtime.Entities;
using Offload.P4Runtime.Session;
using Offload.Simulator.Device;
using Offload.Simulator.P4Runtime;
using Offload.Simulator.P4Runtime.Entities;
using Offload.Simulator.Pipeline;
using Offload.Simulator.Runtime.Schema;
using Offload.Tests.Common;
using Offload.Tests.Common.Packets;
using P4.V1;

namespace Offload.Bench;

/// <summary>`bench sim`: offload-sim's pipeline, P4Runtime writes and memory, and live veth forwarding against the kernel.</summary>
internal static class SimulatorSuite
{
    private const int Connections = 10_000;

    public static async Task RunAsync(TimeSpan duration)
    {
        Console.WriteLine($"== offload-sim: {duration.TotalSeconds:F1} s per measurement, {Environment.ProcessorCount} cores");
        Console.WriteLine();
        var rows = new List<(string Measure, double Value, string Unit, string Baseline, double Ratio, string Goal)>();

        var (pps, parseOnly) = PipelinePps(duration);
        rows.Add(("pipeline, connection-table hits, 1 core", pps, "packets/s", $"parse+deparse only {parseOnly:F0}/s", pps / parseOnly,
            Goal(pps >= 2_000_000, "≥ 2 Mpps")));

        var (overGrpc, inProcess) = await WriteRateAsync();
        rows.Add(("P4Runtime Write, batches of 1000", overGrpc, "entries/s", $"same updates in-process {inProcess:F0}/s", overGrpc / inProcess,
            Goal(overGrpc >= 200_000, "≥ 200 k/s")));

        var bytesPerEntry = MemoryPerEntry(1_000_000);
        const double P4Bytes = (104 + 80) / 8.0;
        rows.Add(("memory per conn_v4 entry at 1 M", bytesPerEntry, "bytes", $"P4 key+data bits {P4Bytes:F0} B", bytesPerEntry / P4Bytes,
            Goal(bytesPerEntry <= 100, "≤ 100 B")));

        if (LiveForwarding.CanRun(out var why))
        {
            var (sim, bridge) = LiveForwarding.Measure(duration);
            rows.Add(("live veth forwarding, 1 sender", sim, "packets/s", $"Linux bridge {bridge:F0}/s", sim / bridge, "—"));
        }
        else
            Console.WriteLine($"  live veth forwarding: skipped ({why})");

        Console.WriteLine();
        Console.WriteLine($"{"measure",-42} {"value",14} {"unit",-10} {"baseline (same run)",-36} {"ratio",7}  goal");
        Console.WriteLine(new string('-', 130));
        foreach (var r in rows)
            Console.WriteLine($"{r.Measure,-42} {r.Value,14:F0} {r.Unit,-10} {r.Baseline,-36} {r.Ratio,7:F2}  {r.Goal}");
    }

    private static string Goal(bool met, string goal) => $"{goal}: {(met ? "met" : "NOT met")}";

    private static SwitchDevice NewDevice()
    {
        var device = new SwitchDevice(255, NullLogger.Instance);
        device.Commit(new PipelineSchema(OffloadP4Info.Index));
        return device;
    }

    private static Update Insert(TableEntry entry) => P4RuntimeClient.Insert(new Entity { TableEntry = entry });

    private static TableEntry Conn(int i) => new TableEntryBuilder(OffloadP4Info.Index, "conn_v4")
        .Exact("ipv4_src", (uint)(0x0a000000 | (i & 0xffffff))).Exact("ipv4_dst", "10.0.100.1").Exact("ip_proto", 6)
        .Exact("l4_src_port", 1024 + i % 60000).Exact("l4_dst_port", 80)
        .Action("forward", ("backend_id", 1), ("seq_delta", 0), ("ack_delta", 0)).Build();

    private static (double Pipeline, double ParseOnly) PipelinePps(TimeSpan duration)
    {
        using var device = NewDevice();
        var state = device.State!;
        var setup = new[]
        {
            new TableEntryBuilder(OffloadP4Info.Index, "router_macs").Exact("eth_dst", "00:aa:00:00:01:00").Action("set_routable").Build(),
            new TableEntryBuilder(OffloadP4Info.Index, "vip_v4").Exact("ipv4_dst", "10.0.100.1").Exact("ip_proto", 6).Exact("l4_dst_port", 80)
                .Action("set_vip", ("vip_id", 1), ("mode", 0), ("punt_non_syn", 0)).Build(),
            new TableEntryBuilder(OffloadP4Info.Index, "backends").Exact("backend_id", 1).Action("set_backend_v4", ("ipv4_addr", "10.0.1.11"), ("l4_port", 8080)).Build(),
            new TableEntryBuilder(OffloadP4Info.Index, "routing_v4").Lpm("ipv4_dst", "10.0.1.0/24")
                .Action("set_next_hop", ("port", 2), ("src_mac", "00:aa:00:00:00:02"), ("dst_mac", "00:00:00:00:01:11")).Build(),
        }.Concat(Enumerable.Range(0, Connections).Select(Conn));
        lock (state.Gate)
        {
            foreach (var entry in setup)
                EntityWriter.Apply(state, Insert(entry));
        }
        // 10.0.0.i is connection i: every packet hits conn_v4.
        var packets = Enumerable.Range(0, 256).Select(i => ScapyPacket.Build(
            $"Ether(dst=\"00:aa:00:00:01:00\", src=\"00:00:00:00:00:02\")/IP(src=\"10.0.0.{i}\", dst=\"10.0.100.1\")" +
            $"/TCP(sport={1024 + i}, dport=80, flags=\"A\")/\"{new string('x', 64)}\"")).ToArray();
        var check = device.Inject(1, packets[7]);
        if (check.Count != 1 || check[0].Port != 2)
            throw new InvalidOperationException("benchmark packet did not hit its connection entry");

        var pipeline = Measure(duration, i => device.Inject(1, packets[i & 255]));
        var parseOnly = Measure(duration, i =>
        {
            var ctx = new PacketContext { Packet = packets[i & 255] };
            OffloadParser.Parse(ctx, 255);
            OffloadParser.Deparse(ctx);
        });
        Console.WriteLine($"  pipeline: {pipeline:F0} packets/s; parse+deparse alone: {parseOnly:F0}/s");
        return (pipeline, parseOnly);
    }

    private static double Measure(TimeSpan duration, Action<int> work)
    {
        for (var i = 0; i < 200_000; i++)
            work(i);
        var watch = Stopwatch.StartNew();
        var count = 0;
        while (watch.Elapsed < duration)
        {
            for (var i = 0; i < 10_000; i++)
                work(count++);
        }
        return count / watch.Elapsed.TotalSeconds;
    }

    private static async Task<(double OverGrpc, double InProcess)> WriteRateAsync()
    {
        const int Total = 200_000, Batch = 1000, WarmUp = 300_000;
        var updates = Enumerable.Range(0, Total).Select(i => Insert(Conn(i))).ToList();
        var warmUp = Enumerable.Range(Total, WarmUp).Select(i => Insert(Conn(i))).ToList();
        using (var scratch = NewDevice())
        {
            lock (scratch.State!.Gate)
                warmUp.ForEach(u => EntityWriter.Apply(scratch.State, u));
        }

        double inProcess;
        using (var local = NewDevice())
        {
            var state = local.State!;
            var watch = Stopwatch.StartNew();
            lock (state.Gate)
            {
                foreach (var update in updates)
                    EntityWriter.Apply(state, update);
            }
            inProcess = Total / watch.Elapsed.TotalSeconds;
        }
        Heap();

        using var device = NewDevice();
        var service = new P4RuntimeService(1, device, NullLogger.Instance);
        service.Pipeline.Apply(SetForwardingPipelineConfigRequest.Types.Action.VerifyAndCommit, new ForwardingPipelineConfig { P4Info = OffloadP4Info.Index.P4Info });
        await using var server = await GrpcServer.StartAsync(service.Register(new GrpcServiceRegistry()));
        using var channel = GrpcChannel.ForAddress($"127.0.0.1:{server.Port}");
        var controller = new TestController(channel, 1);
        await using var session = await controller.PrimaryAsync(1);
        var client = controller.Client(1);
        // Steady state: the first few hundred calls run the JIT's tier-0 code.
        for (var i = 0; i < WarmUp; i += Batch)
            (await client.WriteAsync(warmUp.GetRange(i, Batch))).ThrowIfFailed();
        var timer = Stopwatch.StartNew();
        for (var i = 0; i < Total; i += Batch)
            (await client.WriteAsync(updates.GetRange(i, Batch))).ThrowIfFailed();
        var overGrpc = Total / timer.Elapsed.TotalSeconds;
        Console.WriteLine($"  P4Runtime Write: {overGrpc:F0} entries/s over gRPC, {inProcess:F0}/s in-process");
        return (overGrpc, inProcess);
    }

    private static double MemoryPerEntry(int count)
    {
        var updates = Enumerable.Range(0, count).Select(i => Insert(Conn(i)));
        using var device = NewDevice();
        var state = device.State!;
        var before = Heap();
        lock (state.Gate)
        {
            foreach (var update in updates)
                EntityWriter.Apply(state, update);
        }
        var after = Heap();
        GC.KeepAlive(device);
        var perEntry = (after - before) / (double)count;
        Console.WriteLine($"  memory: {count} conn_v4 entries take {(after - before) / 1e6:F0} MB, {perEntry:F0} bytes each");
        return perEntry;
    }

    private static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
