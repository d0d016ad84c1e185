using System.Diagnostics;
using Google.Protobuf;
using Offload.Grpc;
using Offload.Grpc.Client;
using Offload.Testing;
using Offload.Tests.Common;

namespace Offload.Bench;

/// <summary>The work every client does: sequential unary round trips, and a pipelined bidirectional stream.</summary>
internal static class GrpcBenchmark
{
    private static readonly EchoRequest Request = new() { Payload = ByteString.CopyFrom(new byte[16]) };

    public static async Task<double> OurUnaryAsync(string address, TimeSpan duration)
    {
        using var channel = GrpcChannel.ForAddress(address);
        for (var i = 0; i < 2000; i++)
            await channel.UnaryAsync(EchoMethods.Unary, Request);
        var count = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < duration)
        {
            await channel.UnaryAsync(EchoMethods.Unary, Request);
            count++;
        }
        return count / watch.Elapsed.TotalSeconds;
    }

    public static async Task<double> OurBidiAsync(string address, TimeSpan duration)
    {
        using var channel = GrpcChannel.ForAddress(address);
        await RunBidiAsync(channel, TimeSpan.FromSeconds(1));
        return await RunBidiAsync(channel, duration);
    }

    private static async Task<double> RunBidiAsync(GrpcChannel channel, TimeSpan duration)
    {
        using var call = channel.DuplexStreaming(EchoMethods.Bidi);
        return await StreamAsync(m => call.RequestStream.WriteAsync(m), () => call.RequestStream.CompleteAsync(), () => call.ResponseStream.MoveNext(), duration);
    }

    /// <summary>Writes the request as fast as the stream takes it for <paramref name="duration"/> while counting echoes: messages/s.</summary>
    public static async Task<double> StreamAsync(Func<EchoRequest, Task> write, Func<Task> complete, Func<Task<bool>> moveNext, TimeSpan duration)
    {
        var watch = Stopwatch.StartNew();
        var writer = Task.Run(async () =>
        {
            while (watch.Elapsed < duration)
                await write(Request);
            await complete();
        });
        var received = 0;
        while (await moveNext())
            received++;
        await writer;
        return received / watch.Elapsed.TotalSeconds;
    }

    public static async Task<double> GrpcioClientAsync(string address, string mode, TimeSpan duration)
    {
        var (exit, output) = await PythonPeer.RunAsync("bench/grpcio_bench.py", duration + TimeSpan.FromSeconds(60),
            "--target", address, "--mode", mode, "--seconds", duration.TotalSeconds.ToString("F1",
                System.Globalization.CultureInfo.InvariantCulture));
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        if (exit != 0 || line is null)
            throw new InvalidOperationException($"grpcio bench failed ({exit}): {output}");
        var parts = line.Split(' ');
        return double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)
               / double.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture);
    }
}
