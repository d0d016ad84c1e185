using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Offload.Topology.Traffic;

/// <summary>
/// Many short HTTP/1.0 requests, each on a new TCP connection (so each one is a new flow the load balancer places),
/// a few at a time: which backend answered each, what failed and why.
/// </summary>
public static class HttpLoad
{
    public static async Task<HttpLoadReport> RunAsync(IPEndPoint target, string path, int requests, int parallel, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var byBackend = new Dictionary<string, int>(StringComparer.Ordinal);
        var failures = new Dictionary<string, int>(StringComparer.Ordinal);
        var latencies = new List<double>(requests);
        var next = -1;
        var watch = Stopwatch.StartNew();
        async Task WorkerAsync()
        {
            while (Interlocked.Increment(ref next) < requests)
            {
                var started = Stopwatch.GetTimestamp();
                var (backend, error) = await OneAsync(target, path, timeout, cancellationToken);
                lock (byBackend)
                {
                    if (backend is not null)
                    {
                        byBackend[backend] = byBackend.GetValueOrDefault(backend) + 1;
                        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                    else
                        failures[error!] = failures.GetValueOrDefault(error!) + 1;
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, Math.Max(1, parallel)).Select(_ => WorkerAsync()));
        latencies.Sort();
        double Quantile(double q) => latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
        return new HttpLoadReport(requests, latencies.Count, requests - latencies.Count, byBackend, failures, Quantile(0.5), Quantile(0.99), watch.Elapsed.TotalSeconds);
    }

    private static async Task<(string? Backend, string? Error)> OneAsync(IPEndPoint target, string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(target, cts.Token);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.0\r\nHost: {target}\r\n\r\n"), cts.Token);
            using var response = new MemoryStream();
            var buffer = new byte[4096];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, cts.Token)) > 0)
                response.Write(buffer, 0, read);
            var text = Encoding.ASCII.GetString(response.ToArray());
            var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (!text.StartsWith("HTTP/1.", StringComparison.Ordinal) || split < 0)
                return (null, "malformed response");
            var status = text.Split(' ', 3) is [_, var code, ..] ? code : "?";
            return status == "200" ? (text[(split + 4)..].Trim(), null) : (null, $"HTTP {status}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, "timeout");
        }
        catch (SocketException ex)
        {
            return (null, ex.SocketErrorCode.ToString());
        }
    }
}
