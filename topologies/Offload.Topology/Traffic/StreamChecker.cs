using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Offload.Topology.Traffic;

/// <summary>
/// A client that speaks first, as a VPN client does: one connection, a 4-byte magic ("VPN1") and then a known byte
/// pattern, with every byte the echo service returns checked in order. It uploads and downloads the same amount.
/// </summary>
public static class StreamChecker
{
    public static readonly byte[] Magic = Encoding.ASCII.GetBytes("VPN1");

    private static byte Expected(long offset) => offset < Magic.Length ? Magic[offset] : (byte)((offset * 31 + 7) % 251);

    public static async Task<StreamReport> RunAsync(IPEndPoint target, long bytes, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        long sent = 0, received = 0, mismatched = 0;
        using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connect.CancelAfter(TimeSpan.FromSeconds(10));
                await socket.ConnectAsync(target, connect.Token);
            }
            var total = Magic.Length + bytes;
            var reader = Task.Run(async () =>
            {
                var buffer = new byte[64 * 1024];
                while (received < total)
                {
                    using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    stall.CancelAfter(TimeSpan.FromSeconds(10));
                    var read = await socket.ReceiveAsync(buffer, stall.Token);
                    if (read == 0)
                        throw new IOException("closed by the peer");
                    for (var i = 0; i < read; i++)
                    {
                        if (buffer[i] != Expected(received + i))
                            mismatched++;
                    }
                    received += read;
                }
            }, cancellationToken);
            var chunk = new byte[16 * 1024];
            while (sent < total)
            {
                var length = (int)Math.Min(chunk.Length, total - sent);
                for (var i = 0; i < length; i++)
                    chunk[i] = Expected(sent + i);
                await socket.SendAsync(chunk.AsMemory(0, length), cancellationToken);
                sent += length;
            }
            await reader;
            socket.Shutdown(SocketShutdown.Send);
            return new StreamReport(sent, received, mismatched, watch.Elapsed.TotalSeconds, null);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return new StreamReport(sent, received, mismatched, watch.Elapsed.TotalSeconds, ex is SocketException s ? s.SocketErrorCode.ToString() : ex.Message);
        }
    }
}
