using System.Net;
using System.Net.Sockets;

namespace Offload.Bench;

/// <summary>
/// The backends `bench health` probes, run as a separate process (`Offload.Bench health-backends FIRST COUNT`) so the
/// monitor's CPU is measured alone: COUNT loopback listeners that accept and close every connection. stdin
/// "close FIRST LAST" stops listening on those ports (connections are refused from then on) and answers "closed".
/// </summary>
internal static class HealthBackends
{
    public static async Task<int> RunAsync(int firstPort, int count)
    {
        var listeners = new Dictionary<int, Socket>();
        for (var port = firstPort; port < firstPort + count; port++)
        {
            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
            listener.Listen(4096);
            listeners[port] = listener;
            _ = AcceptAsync(listener);
        }
        Console.WriteLine("ready");
        while (Console.ReadLine() is { } line)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts is ["close", var first, var last] && int.TryParse(first, out var from) && int.TryParse(last, out var to))
            {
                for (var port = from; port <= to; port++)
                {
                    if (listeners.Remove(port, out var listener))
                        listener.Dispose();
                }
                Console.WriteLine("closed");
            }
            else
                Console.Error.WriteLine($"health-backends: unknown command '{line}'");
        }
        return 0;
    }

    private static async Task AcceptAsync(Socket listener)
    {
        try
        {
            while (true)
            {
                using var connection = await listener.AcceptAsync();
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            // The listener was closed by "close".
        }
    }
}
