using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Offload.Controller.Health.Probes;

/// <summary>Up when a datagram sent to the service draws a reply containing the expected bytes.</summary>
public sealed class UdpProbe(byte[] send, byte[] expect) : IHealthProbe
{
    public async Task<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
    {
        using var socket = new Socket(target.Address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(target.Source ?? (target.Address.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any), 0));
        socket.Connect(target.EndPoint);
        await socket.SendAsync(send, cancellationToken);
        var buffer = new byte[65_535];
        var n = await socket.ReceiveAsync(buffer, cancellationToken);
        return buffer.AsSpan(0, n).IndexOf(expect) >= 0 || expect.Length == 0
            ? ProbeResult.Success($"{n}-byte reply")
            : ProbeResult.Failure($"the {n}-byte reply lacks \"{Encoding.ASCII.GetString(expect)}\"");
    }
}
