using Offload.Grpc.Server;
using Offload.Tests.Common;

namespace Offload.Bench;

/// <summary>`bench grpc`: our transport against Debian's grpcio (C-core), both ways, in the same run.</summary>
internal static class GrpcSuite
{
    public static async Task RunAsync(TimeSpan duration)
    {
        var seconds = duration.TotalSeconds;
        Console.WriteLine($"== gRPC transport: {seconds:F1} s per measurement, 16-byte messages, loopback, {Environment.ProcessorCount} cores");
        Console.WriteLine("baseline: Debian's python3-grpcio (C-core) client and server, measured in this same run");
        Console.WriteLine();

        await using var ourServer = await GrpcServer.StartAsync(new EchoService().Register(new GrpcServiceRegistry()));
        await using var grpcioServer = await PythonServer.StartAsync("echo_server.py");
        var (aspNetServer, aspNet) = await GrpcDotnet.StartServerAsync();
        await using var _ = aspNetServer;
        var ours = $"127.0.0.1:{ourServer.Port}";
        var grpcio = grpcioServer.Address;

        var rows = new List<(string Name, double Unary, double Bidi)>();
        async Task Measure(string name, Func<Task<double>> unary, Func<Task<double>> bidi)
        {
            Console.Write($"  measuring {name} ...");
            var u = await unary();
            var b = await bidi();
            Console.WriteLine($" {u:F0} unary/s, {b:F0} bidi msg/s");
            rows.Add((name, u, b));
        }

        await Measure("grpcio client -> grpcio server", () => GrpcBenchmark.GrpcioClientAsync(grpcio, "unary", duration),
            () => GrpcBenchmark.GrpcioClientAsync(grpcio, "bidi", duration));
        await Measure("offload client -> offload server", () => GrpcBenchmark.OurUnaryAsync(ours, duration),
            () => GrpcBenchmark.OurBidiAsync(ours, duration));
        await Measure("offload client -> grpcio server", () => GrpcBenchmark.OurUnaryAsync(grpcio, duration),
            () => GrpcBenchmark.OurBidiAsync(grpcio, duration));
        await Measure("grpcio client -> offload server", () => GrpcBenchmark.GrpcioClientAsync(ours, "unary", duration),
            () => GrpcBenchmark.GrpcioClientAsync(ours, "bidi", duration));
        await Measure("Grpc.Net.Client -> offload server", () => GrpcDotnet.UnaryAsync(ours, duration), () => GrpcDotnet.BidiAsync(ours, duration));
        await Measure("Grpc.Net.Client -> grpcio server", () => GrpcDotnet.UnaryAsync(grpcio, duration), () => GrpcDotnet.BidiAsync(grpcio, duration));
        await Measure("Grpc.Net.Client -> ASP.NET server", () => GrpcDotnet.UnaryAsync(aspNet, duration), () => GrpcDotnet.BidiAsync(aspNet, duration));
        await Measure("offload client -> ASP.NET server", () => GrpcBenchmark.OurUnaryAsync(aspNet, duration),
            () => GrpcBenchmark.OurBidiAsync(aspNet, duration));
        await Measure("grpcio client -> ASP.NET server", () => GrpcBenchmark.GrpcioClientAsync(aspNet, "unary", duration),
            () => GrpcBenchmark.GrpcioClientAsync(aspNet, "bidi", duration));

        var baseline = rows[0];
        Console.WriteLine();
        Console.WriteLine($"{"client -> server",-36} {"unary RT/s",12} {"x grpcio",9} {"bidi msg/s",12} {"x grpcio",9}");
        Console.WriteLine(new string('-', 82));
        foreach (var (name, unary, bidi) in rows)
            Console.WriteLine($"{name,-36} {unary,12:F0} {unary / baseline.Unary,9:F2} {bidi,12:F0} {bidi / baseline.Bidi,9:F2}");
        Console.WriteLine();
        var ratio = rows[1].Bidi / baseline.Bidi;
        Console.WriteLine($"goal: offload bidi stream throughput >= 2.00x grpcio: measured {ratio:F2}x -> {(ratio >= 2 ? "met" : "NOT met")}");

        // Which transport: each client against the same servers, each server with the same clients (geometric means).
        (double Unary, double Bidi) Versus(params (string Ours, string Theirs)[] pairs)
        {
            var ratios = pairs.Select(p => (Ours: rows.Single(r => r.Name == p.Ours), Theirs: rows.Single(r => r.Name == p.Theirs))).ToList();
            return (Math.Exp(ratios.Average(r => Math.Log(r.Ours.Unary / r.Theirs.Unary))), Math.Exp(ratios.Average(r => Math.Log(r.Ours.Bidi / r.Theirs.Bidi))));
        }
        var (clientUnary, clientBidi) = Versus(("offload client -> offload server", "Grpc.Net.Client -> offload server"),
            ("offload client -> grpcio server", "Grpc.Net.Client -> grpcio server"), ("offload client -> ASP.NET server", "Grpc.Net.Client -> ASP.NET server"));
        var (serverUnary, serverBidi) = Versus(("offload client -> offload server", "offload client -> ASP.NET server"),
            ("grpcio client -> offload server", "grpcio client -> ASP.NET server"), ("Grpc.Net.Client -> offload server", "Grpc.Net.Client -> ASP.NET server"));
        Console.WriteLine($"offload client / Grpc.Net.Client, same servers: unary {clientUnary:F2}x, bidi {clientBidi:F2}x");
        Console.WriteLine($"offload server / Grpc.AspNetCore.Server, same clients: unary {serverUnary:F2}x, bidi {serverBidi:F2}x");
    }
}
