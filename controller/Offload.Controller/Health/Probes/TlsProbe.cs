using System.Net.Security;
using System.Net.Sockets;

namespace Offload.Controller.Health.Probes;

/// <summary>Up when a TLS handshake completes. The certificate is checked only when <paramref name="verifyCertificate"/> is set.</summary>
public sealed class TlsProbe(string? serverName, bool verifyCertificate = false) : IHealthProbe
{
    public async Task<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
    {
        using var socket = await ProbeRunner.ConnectAsync(target, cancellationToken);
        await using var tls = await HandshakeAsync(new NetworkStream(socket, ownsSocket: false), target, serverName, verifyCertificate, cancellationToken);
        return ProbeResult.Success($"{tls.SslProtocol}, {tls.NegotiatedCipherSuite}");
    }

    internal static async Task<SslStream> HandshakeAsync(Stream transport, ProbeTarget target, string? serverName, bool verify, CancellationToken cancellationToken)
    {
        var tls = new SslStream(transport, leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName ?? target.Address.ToString(),
                RemoteCertificateValidationCallback = verify ? null : (_, _, _, _) => true,
            }, cancellationToken);
            return tls;
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
    }
}
