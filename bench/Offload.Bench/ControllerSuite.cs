using System.Diagnostics;
using System.Globalization;
using Offload.Controller.Configuration;
using Offload.Controller.LoadBalancing;
using Offload.Controller.Plumbing;
using Offload.Tests.Common;
using Offload.P4Runtime.Session;
using Offload.Tests.Common.Live;
using Offload.Tests.Common.Simulator;
using Offload.Grpc.Client;
using Offload.Simulator.Device;

namespace Offload.Bench;

/// <summary>`bench controller`: connections plumbed per second into offload-sim, against a grpcio client doing the same writes.</summary>
internal static class ControllerSuite
{
    private const int Connections = 100_000, Rounds = 3, WarmUp = 500_000, Batch = 256, InFlight = 16, TrackedConnections = 1_000_000;

    public static async Task RunAsync()
    {
        Console.WriteLine($"== controller plumbing: {Rounds} rounds of {Connections} connections (2 entries each, after {WarmUp} to warm up) in batches of {Batch}, into an offload-sim process over loopback");
        var (ours, prebuilt, buildOnly) = await OursAsync();
        var grpcio = await GrpcioAsync();
        var (p50, p99) = await FirstPacketToEntryAsync();
        var bytesPerConnection = MemoryPerConnection();
        Console.WriteLine();
        Console.WriteLine($"{"client",-46} {"connections/s",14} {"x grpcio",9}  goal");
        Console.WriteLine(new string('-', 86));
        Console.WriteLine($"{"python3-grpcio, same writes",-46} {grpcio,14:F0} {1.0,9:F2}");
        Console.WriteLine($"{"offload-controller ConnectionPlumber (median)",-46} {ours,14:F0} {ours / grpcio,9:F2}  ≥ 100 k/s: {(ours >= 100_000 ? "met" : "NOT met")}");
        Console.WriteLine($"{"  the same writes, entries built ahead",-46} {prebuilt,14:F0} {prebuilt / grpcio,9:F2}  (the switch's side alone)");
        Console.WriteLine($"{"  building the entries only, no writes",-46} {buildOnly,14:F0} {buildOnly / grpcio,9:F2}  (the controller's side alone)");
        Console.WriteLine();
        Console.WriteLine($"first packet to installed entry (data-plane select, digest max_timeout 1 ms): p50 {p50:F2} ms, p99 {p99:F2} ms");
        Console.WriteLine($"controller memory per tracked connection at {TrackedConnections / 1_000_000} M: {bytesPerConnection:F0} B (goal ≤ 200 B: {(bytesPerConnection <= 200 ? "met" : "NOT met")})");
    }

    private static async Task<(double Ours, double Prebuilt, double BuildOnly)> OursAsync()
    {
        using var sim = await StartSimulatorAsync();
        using var channel = GrpcChannel.ForAddress($"127.0.0.1:{sim.GrpcPort}");
        var controller = new TestController(channel, SimulatorHarness.DeviceId);
        var p4Info = OffloadP4Info.Index;
        var config = ConfigLoader.Load(File.ReadAllText(RepoPaths.Get("controller", "offload.example.yaml")), "example", n => new LoadBalancingPolicyRegistry().TryGet(n, out _));
        await using var session = await controller.PrimaryAsync(1);
        var client = controller.Client(1);
        await new Reconciler(client, p4Info).ReconcileAsync(DesiredState.Build(config, config.Switches[0], p4Info));
        await using var writes = WritePipeline.For(client);
        var plumber = new ConnectionPlumber(client, writes, p4Info, config, TimeSpan.FromSeconds(60));
        var vip = config.Vips[0];
        Connection Flow(int i) => new(4, 0x0b000000u + (uint)(i >> 14), 0x0a006401u, 6, (ushort)(1024 + (i & 0x3fff)), vip.Port, vip.Id, config.Backends[0].Id);
        // As the digest loop does: encode and queue the next batch while earlier ones are on the wire, a bounded number ahead.
        async Task PinAllAsync(int first, int count)
        {
            var inFlight = new Queue<Task<int>>();
            for (var i = 0; i < count; i += Batch)
            {
                if (inFlight.Count == InFlight)
                    await inFlight.Dequeue();
                inFlight.Enqueue(await plumber.StartPinAsync(Enumerable.Range(first + i, Math.Min(Batch, count - i)).Select(Flow).ToList()));
            }
            await Task.WhenAll(inFlight);
        }
        await PinAllAsync(Rounds * Connections, WarmUp);
        var rates = new List<double>();
        for (var round = 0; round < Rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            await PinAllAsync(round * Connections, Connections);
            rates.Add(Connections / watch.Elapsed.TotalSeconds);
        }
        var rate = Median(rates);
        Console.WriteLine($"  offload-controller: {string.Join(", ", rates.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))} connections/s; median {rate:F0}");

        // Where the time goes: the same entries built before the clock starts (only the writes are timed), and the building alone.
        var encoder = new ConnectionEncoder(p4Info);
        var backend = new BackendEndpoint(Addresses.ToNumber(config.Backends[0].Address), config.Backends[0].Port);
        var building = Stopwatch.StartNew();
        var batches = Enumerable.Range(0, Connections / Batch).Select(b =>
        {
            var batch = new EncodedUpdates(2 * Batch);
            foreach (var i in Enumerable.Range(Rounds * Connections + WarmUp + b * Batch, Batch))
            {
                var key = ConnectionKey.Of(Flow(i));
                batch.Add(encoder.ForwardInsert(key, config.Backends[0].Id, 60_000_000_000));
                batch.Add(encoder.ReverseInsert(key, backend, config.Backends[0].Id, Addresses.ToNumber(vip.Address), vip.Port));
            }
            return batch;
        }).ToList();
        var buildOnly = Connections / building.Elapsed.TotalSeconds;
        var writing = Stopwatch.StartNew();
        var queued = new Queue<Task<WriteResult>>();
        foreach (var batch in batches)
        {
            if (queued.Count == InFlight)
                (await queued.Dequeue()).ThrowIfFailed();
            queued.Enqueue(await writes.EnqueueAsync(batch));
        }
        foreach (var result in await Task.WhenAll(queued))
            result.ThrowIfFailed();
        var prebuilt = Connections / writing.Elapsed.TotalSeconds;
        Console.WriteLine($"  entries built ahead: {prebuilt:F0} connections/s written; building alone: {buildOnly:F0} connections/s");
        return (rate, prebuilt, buildOnly);
    }

    /// <summary>offload-sim as users run it, in its own process: the switch both clients write into.</summary>
    private static Task<SimulatorProcess> StartSimulatorAsync() =>
        SimulatorProcess.StartAsync("--device-id", SimulatorHarness.DeviceId.ToString(CultureInfo.InvariantCulture));

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>A SYN enters the switch; the clock stops when the agent has pinned its connection (digest → write → done).</summary>
    private static async Task<(double P50, double P99)> FirstPacketToEntryAsync()
    {
        const int Samples = 300;
        await using var sim = await SimulatorHarness.StartAsync();
        var policies = new LoadBalancingPolicyRegistry();
        var config = ConfigLoader.Load(File.ReadAllText(RepoPaths.Get("controller", "offload.example.yaml"))
            .Replace("address: 127.0.0.1:9559", $"address: {sim.Address}").Replace("device_id: 0", $"device_id: {SimulatorHarness.DeviceId}"),
            "example", n => policies.TryGet(n, out _));
        using var stop = new CancellationTokenSource();
        await using var agent = new Offload.Controller.Switches.SwitchAgent(config, config.Switches[0], sim.P4Info, null,
            new Offload.Controller.Classification.Classifier(config, policies), new Offload.Controller.Switches.SwitchAgentOptions(),
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var run = agent.RunAsync(stop.Token);
        await Eventually.WaitUntil(() => agent.IsReady, TimeSpan.FromSeconds(20));
        var latencies = new List<double>(Samples);
        for (var i = 0; i < Samples; i++)
        {
            var syn = Offload.Tests.Common.Packets.ScapyPacket.Build(
                $"Ether(dst=\"02:00:00:00:00:01\", src=\"00:00:00:00:00:02\")/IP(src=\"10.0.0.2\", dst=\"10.0.100.1\")/TCP(sport={20000 + i}, dport=80, flags=\"S\")");
            var start = Stopwatch.GetTimestamp();
            sim.Inject(1, syn);
            while (agent.Connections <= i)
                await Task.Yield();
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        stop.Cancel();
        latencies.Sort();
        return (latencies[Samples / 2], latencies[Samples * 99 / 100]);
    }

    /// <summary>The managed heap a connection table of a million IPv4 connections takes, per connection.</summary>
    private static double MemoryPerConnection()
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var table = new Offload.Controller.Sessions.InMemoryConnectionTable();
        for (var i = 0; i < TrackedConnections; i++)
            table.Open(new ConnectionKey(4, 0x0b000000u + (uint)(i >> 14), 0x0a006401u, 6, (ushort)(1024 + (i & 0x3fff)), 80), 1, 1 + i % 8);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(table);
        return (after - before) / (double)TrackedConnections;
    }

    private static async Task<double> GrpcioAsync()
    {
        using var sim = await StartSimulatorAsync();
        var (exit, output) = await PythonPeer.RunAsync("bench/p4runtime_plumb_bench.py", TimeSpan.FromMinutes(5),
            "--address", $"127.0.0.1:{sim.GrpcPort}", "--device-id", SimulatorHarness.DeviceId.ToString(CultureInfo.InvariantCulture),
            "--p4info", RepoPaths.Get("p4", "offload.p4info.txtpb"), "--count", Connections.ToString(CultureInfo.InvariantCulture),
            "--batch", Batch.ToString(CultureInfo.InvariantCulture));
        var result = output.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"p4runtime_plumb_bench.py failed ({exit}): {output}");
        var parts = result.Split(' ');
        var rate = double.Parse(parts[1], CultureInfo.InvariantCulture) / double.Parse(parts[2], CultureInfo.InvariantCulture);
        Console.WriteLine($"  python3-grpcio: {rate:F0} connections/s");
        return rate;
    }
}
