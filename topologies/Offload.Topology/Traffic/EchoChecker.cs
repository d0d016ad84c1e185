using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Offload.Topology.Traffic;

/// <summary>
/// Long-lived connections to an echo service that count every byte both ways: each connection reads the backend's
/// greeting, then sends a known byte pattern at a steady pace and checks that every byte comes back, in order.
/// A connection that resets, stalls or returns a wrong byte is broken.
/// </summary>
public sealed class EchoChecker(IPEndPoint target, int connections, int chunkBytes, TimeSpan pace)
{
    private readonly List<Tracker> _trackers = [];

    public long Sent => Snapshot().Sum(t => t.Sent);
    public long Received => Snapshot().Sum(t => t.Received);
    public int Open => Snapshot().Count(t => t.Error is null);

    /// <summary>
    /// The longest any open connection waited between two echoes since the previous call (a stall still going on
    /// counts up to now): the interruption its client saw.
    /// </summary>
    public TimeSpan TakeLongestStall() =>
        TimeSpan.FromTicks(Snapshot().Where(t => t.Error is null).Select(t => t.TakeLongestStall()).DefaultIfEmpty(0).Max() * TimeSpan.TicksPerSecond / Stopwatch.Frequency);

    private List<Tracker> Snapshot()
    {
        lock (_trackers)
            return _trackers.ToList();
    }

    /// <summary>Runs until <paramref name="stop"/> fires, then waits (up to 10 s) for every byte in flight to come back.</summary>
    public async Task<EchoReport> RunAsync(CancellationToken stop)
    {
        var watch = Stopwatch.StartNew();
        var runs = new List<Task>();
        for (var i = 0; i < connections; i++)
        {
            var tracker = new Tracker(i);
            lock (_trackers)
                _trackers.Add(tracker);
            runs.Add(tracker.RunAsync(target, chunkBytes, pace, stop));
        }
        await Task.WhenAll(runs);
        return new EchoReport(Snapshot().Select(t => t.Report()).ToArray(), watch.Elapsed.TotalSeconds);
    }

    private sealed class Tracker(int index)
    {
        public long Sent, Received, Mismatched;
        private long _lastEcho = Stopwatch.GetTimestamp(), _longestStall;

        public long TakeLongestStall() =>
            Math.Max(Interlocked.Exchange(ref _longestStall, 0), Stopwatch.GetTimestamp() - Interlocked.Read(ref _lastEcho));

        private void Echoed()
        {
            var now = Stopwatch.GetTimestamp();
            var stall = now - Interlocked.Exchange(ref _lastEcho, now);
            for (var longest = Interlocked.Read(ref _longestStall); stall > longest; longest = Interlocked.Read(ref _longestStall))
                Interlocked.CompareExchange(ref _longestStall, stall, longest);
        }
        public string Backend = "?";
        public string? Error;

        public EchoConnectionReport Report() => new(index, Backend, Interlocked.Read(ref Sent), Interlocked.Read(ref Received), Mismatched, Error);

        private byte Expected(long offset) => (byte)((offset * 7 + index * 13) % 251);

        public async Task RunAsync(IPEndPoint target, int chunkBytes, TimeSpan pace, CancellationToken stop)
        {
            using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                using (var connect = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
                    await socket.ConnectAsync(target, connect.Token);
                Backend = await ReadGreetingAsync(socket);
                var reader = ReadAsync(socket);
                var chunk = new byte[chunkBytes];
                while (!stop.IsCancellationRequested)
                {
                    for (var i = 0; i < chunk.Length; i++)
                        chunk[i] = Expected(Sent + i);
                    await socket.SendAsync(chunk);
                    Interlocked.Add(ref Sent, chunk.Length);
                    try
                    {
                        await Task.Delay(pace, stop);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
                var deadline = Stopwatch.StartNew();
                while (Interlocked.Read(ref Received) < Interlocked.Read(ref Sent) && Error is null && deadline.Elapsed < TimeSpan.FromSeconds(10))
                    await Task.Delay(20);
                if (Interlocked.Read(ref Received) < Interlocked.Read(ref Sent) && Error is null)
                    Error = $"stalled: {Sent - Received} bytes never came back";
                socket.Shutdown(SocketShutdown.Send);
                await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(5)));
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
            {
                Error ??= ex is SocketException s ? s.SocketErrorCode.ToString() : ex.Message;
            }
        }

        private static async Task<string> ReadGreetingAsync(Socket socket)
        {
            var line = new StringBuilder();
            var one = new byte[1];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (line.Length < 64)
            {
                if (await socket.ReceiveAsync(one, timeout.Token) == 0)
                    throw new IOException("closed before the greeting");
                if (one[0] == '\n')
                    return line.ToString();
                line.Append((char)one[0]);
            }
            throw new IOException("no greeting line");
        }

        private async Task ReadAsync(Socket socket)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var read = await socket.ReceiveAsync(buffer);
                    if (read == 0)
                    {
                        if (Interlocked.Read(ref Received) < Interlocked.Read(ref Sent))
                            Error ??= "closed by the peer";
                        return;
                    }
                    var at = Interlocked.Read(ref Received);
                    for (var i = 0; i < read; i++)
                    {
                        if (buffer[i] != Expected(at + i))
                            Mismatched++;
                    }
                    Interlocked.Add(ref Received, read);
                    Echoed();
                }
            }
            catch (SocketException ex)
            {
                Error ??= ex.SocketErrorCode.ToString();
            }
        }
    }
}
