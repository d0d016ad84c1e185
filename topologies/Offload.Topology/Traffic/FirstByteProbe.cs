using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Offload.Topology.Traffic;

/// <summary>How fast new client-first connections get their first byte back: one after another, connect, send, read, close.</summary>
public sealed record FirstByteReport(int Connections, int Failed, double Seconds, double P50Ms, double P90Ms, double MaxMs)
{
    public double PerSecond => Connections / Seconds;
}

public static class FirstByteProbe
{
    public static async Task<FirstByteReport> RunAsync(IPEndPoint target, int connections, CancellationToken cancellationToken)
    {
        var times = new List<double>(connections);
        var failed = 0;
        var total = Stopwatch.StartNew();
        var message = StreamChecker.Magic.Concat("ping"u8.ToArray()).ToArray();
        var buffer = new byte[message.Length];
        for (var i = 0; i < connections; i++)
        {
            var watch = Stopwatch.StartNew();
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, LingerState = new LingerOption(true, 0) };
                await socket.ConnectAsync(target, timeout.Token);
                await socket.SendAsync(message, timeout.Token);
                if (await socket.ReceiveAsync(buffer, timeout.Token) == 0)
                    throw new IOException("closed");
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
            catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                failed++;
            }
        }
        times.Sort();
        double Quantile(double q) => times.Count == 0 ? double.NaN : times[Math.Min(times.Count - 1, (int)Math.Ceiling(q * times.Count) - 1)];
        return new FirstByteReport(connections, failed, total.Elapsed.TotalSeconds, Quantile(0.5), Quantile(0.9), times.Count == 0 ? double.NaN : times[^1]);
    }
}
