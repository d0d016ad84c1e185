using System.Net.Sockets;
using System.Text;

namespace Offload.Controller.Health.Probes;

/// <summary>What an HTTP(S) check asks for and accepts.</summary>
public sealed record HttpCheck(string Path = "/", string? Host = null, int StatusLow = 200, int StatusHigh = 399, string? BodyContains = null,
    bool Tls = false, bool VerifyCertificate = false);

/// <summary>
/// Up when a GET answers with a status in range (and, if asked, a body containing a string). One HTTP/1.1 request
/// per probe on its own connection, read up to 64 KiB: cheap, and nothing pooled between probes hides a dead server.
/// </summary>
public sealed class HttpProbe(HttpCheck check) : IHealthProbe
{
    private const int MaxResponse = 64 * 1024;

    public async Task<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
    {
        using var socket = await ProbeRunner.ConnectAsync(target, cancellationToken);
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        if (check.Tls)
            stream = await TlsProbe.HandshakeAsync(stream, target, check.Host, check.VerifyCertificate, cancellationToken);
        await using (stream)
        {
            var host = check.Host ?? (target.Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{target.Address}]" : target.Address.ToString());
            var request = $"GET {check.Path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: offload-health\r\nAccept: */*\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken);
            var response = await ReadAsync(stream, cancellationToken);
            return Judge(response);
        }
    }

    private ProbeResult Judge(string response)
    {
        var statusLine = response.Split("\r\n", 2)[0];
        var parts = statusLine.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/", StringComparison.Ordinal) || !int.TryParse(parts[1], out var status))
            return ProbeResult.Failure($"not an HTTP response: {Printable(statusLine)}");
        if (status < check.StatusLow || status > check.StatusHigh)
            return ProbeResult.Failure($"status {status}, expected {check.StatusLow}-{check.StatusHigh}");
        var bodyAt = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var body = bodyAt < 0 ? "" : response[(bodyAt + 4)..];
        if (check.BodyContains is { } expected && !body.Contains(expected, StringComparison.Ordinal))
            return ProbeResult.Failure($"status {status}, but the body lacks \"{expected}\"");
        return ProbeResult.Success($"status {status}");
    }

    private static async Task<string> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxResponse];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0)
                break;
            read += n;
        }
        return Encoding.Latin1.GetString(buffer, 0, read);
    }

    private static string Printable(string text) => text.Length > 60 ? text[..60] + "…" : text;
}
