using System.Text;
using Offload.Controller.Configuration;

namespace Offload.Controller.Classification;

/// <summary>
/// What a connection's first payload is, for a multiplexed VIP: a TLS handshake record (content type 22, version
/// 3.x), a SOCKS5 greeting (version 5 and exactly its methods), an HTTP/1 request line (a method, a space), or
/// anything else, taken to be the VPN's own framing.
/// </summary>
public static class PayloadKinds
{
    private static readonly byte[][] Methods = new[] { "GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE " }
        .Select(Encoding.ASCII.GetBytes).ToArray();

    public static PayloadKind Of(ReadOnlySpan<byte> payload)
    {
        if (payload.Length >= 5 && payload[0] == 22 && payload[1] == 3)
            return PayloadKind.Tls;
        if (payload.Length >= 3 && payload[0] == 5 && payload[1] > 0 && payload.Length == 2 + payload[1])
            return PayloadKind.Socks5;
        foreach (var method in Methods)
        {
            if (payload.StartsWith(method))
                return PayloadKind.Http;
        }
        return PayloadKind.Other;
    }
}
