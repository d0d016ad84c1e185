using System.Text;

namespace Offload.Controller.Classification;

/// <summary>
/// The request line and Host header of an HTTP/1 request at the start of a payload: what per-request routing matches.
/// Only what the payload holds is read: a request head split across segments is routed by its request line alone.
/// </summary>
public static class HttpRequestHead
{
    public static bool TryRead(ReadOnlySpan<byte> payload, out string path, out string? host)
    {
        (path, host) = ("", null);
        var text = Encoding.ASCII.GetString(payload[..Math.Min(payload.Length, 8192)]);
        var lineEnd = text.IndexOf("\r\n", StringComparison.Ordinal);
        var requestLine = (lineEnd < 0 ? text : text[..lineEnd]).Split(' ');
        if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
            return false;
        path = requestLine[1];
        if (lineEnd < 0)
            return true;
        foreach (var line in text[(lineEnd + 2)..].Split("\r\n"))
        {
            if (line.Length == 0)
                break;
            var colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim().Equals("host", StringComparison.OrdinalIgnoreCase))
            {
                var value = line[(colon + 1)..].Trim();
                // The port is not part of the name a route matches.
                host = value.StartsWith('[') ? value : value.Split(':')[0];
                break;
            }
        }
        return true;
    }
}
