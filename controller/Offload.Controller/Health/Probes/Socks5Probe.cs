namespace Offload.Controller.Health.Probes;

/// <summary>Up when the service answers a SOCKS5 greeting (RFC 1928) by choosing "no authentication" or username/password.</summary>
public sealed class Socks5Probe : IHealthProbe
{
    public async Task<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
    {
        using var socket = await ProbeRunner.ConnectAsync(target, cancellationToken);
        await socket.SendAsync(new byte[] { 0x05, 0x02, 0x00, 0x02 }, cancellationToken);
        var reply = new byte[2];
        var read = 0;
        while (read < 2)
        {
            var n = await socket.ReceiveAsync(reply.AsMemory(read), cancellationToken);
            if (n == 0)
                return ProbeResult.Failure($"connection closed after {read} byte(s) of the SOCKS5 reply");
            read += n;
        }
        return reply switch
        {
            [0x05, 0x00] => ProbeResult.Success("SOCKS5, no authentication"),
            [0x05, 0x02] => ProbeResult.Success("SOCKS5, username/password"),
            [0x05, 0xff] => ProbeResult.Failure("SOCKS5 server accepts none of our methods"),
            _ => ProbeResult.Failure($"not a SOCKS5 reply: {Convert.ToHexString(reply)}"),
        };
    }
}
