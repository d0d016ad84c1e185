using System.Diagnostics;
using System.Globalization;
using Offload.Controller.Configuration;
using Offload.Controller.LoadBalancing;
using Offload.Controller.Plumbing;
using Offload.Tests.Common;
using Offload.Tests.Common.Simulator;

namespace Offload.Bench;

/// <summary>`bench controller`: connections plumbed per second into offload-sim, against a grpcio client doing the same writes.</summary>
internal static class ControllerSuite
{
    private const int Connections = 100_000, WarmUp = 50_000, Batch = 256;

    public static async Task RunAsync()
    {
        Console.WriteLine($"== controller plumbing: {Connections} connections (2 entries each) in batches of {Batch}, into offload-sim over loopback");
        var ours = await OursAsync();
        var grpcio = await GrpcioAsync();
        Console.WriteLine();
        Console.WriteLine($"{"client",-40} {"connections/s",14} {"x grpcio",9}  goal");
        Console.WriteLine(new string('-', 80));
        Console.WriteLine($"{"python3-grpcio, same writes",-40} {grpcio,14:F0} {1.0,9:F2}");
        Console.WriteLine($"{"offload-controller ConnectionPlumber",-40} {ours,14:F0} {ours / grpcio,9:F2}  ≥ 100 k/s: {(ours >= 100_000 ? "met" : "NOT met")}");
    }

    private static async Task<double> OursAsync()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var config = ConfigLoader.Load(File.ReadAllText(RepoPaths.Get("controller", "offload.example.yaml")), "example", n => new LoadBalancingPolicyRegistry().TryGet(n, out _));
        await using var session = await sim.Controller.PrimaryAsync(1);
        var client = sim.Controller.Client(1);
        await new Reconciler(client, sim.P4Info).ReconcileAsync(DesiredState.Build(config, config.Switches[0], sim.P4Info));
        var plumber = new ConnectionPlumber(client, sim.P4Info, config, TimeSpan.FromSeconds(60));
        var vip = config.Vips[0];
        Connection Flow(int i) => new(4, 0x0b000000u + (uint)(i >> 14), 0x0a006401u, 6, (ushort)(1024 + (i & 0x3fff)), vip.Port, vip.Id, config.Backends[0].Id);
        for (var i = 0; i < WarmUp; i += Batch)
            await plumber.PinAsync(Enumerable.Range(Connections + i, Batch).Select(Flow).ToList());
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Connections; i += Batch)
            await plumber.PinAsync(Enumerable.Range(i, Math.Min(Batch, Connections - i)).Select(Flow).ToList());
        var rate = Connections / watch.Elapsed.TotalSeconds;
        Console.WriteLine($"  offload-controller: {rate:F0} connections/s");
        return rate;
    }

    private static async Task<double> GrpcioAsync()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var (exit, output) = await PythonPeer.RunAsync("bench/p4runtime_plumb_bench.py", TimeSpan.FromMinutes(5),
            "--address", sim.Address, "--device-id", SimulatorHarness.DeviceId.ToString(CultureInfo.InvariantCulture),
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
