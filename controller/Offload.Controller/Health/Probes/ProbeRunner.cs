using System.Net.Sockets;

namespace Offload.Controller.Health.Probes;

/// <summary>Runs a probe within its timeout; whatever goes wrong becomes a failure that says what happened.</summary>
public static class ProbeRunner
{
    public static async Task<ProbeResult> RunAsync(IHealthProbe probe, ProbeTarget target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return await probe.ProbeAsync(target, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ProbeResult.Failure($"no answer within {timeout.TotalMilliseconds:0} ms");
        }
        catch (SocketException ex)
        {
            return ProbeResult.Failure($"{target}: {ex.SocketErrorCode}");
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or InvalidDataException or System.ComponentModel.Win32Exception)
        {
            return ProbeResult.Failure($"{target}: {ex.Message}");
        }
    }

    /// <summary>A TCP connection to the target, from its source address when it has one.</summary>
    public static async Task<Socket> ConnectAsync(ProbeTarget target, CancellationToken cancellationToken)
    {
        var socket = new Socket(target.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (target.Source is { } source)
                socket.Bind(new System.Net.IPEndPoint(source, 0));
            await socket.ConnectAsync(target.EndPoint, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
