using System.Net.Security;

namespace Offload.Grpc.Client;

public sealed record GrpcChannelOptions
{
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>Largest message accepted from the server; larger ones end the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; init; } = DefaultMaxReceiveMessageSize;

    /// <summary>Largest message this client sends.</summary>
    public int MaxSendMessageSize { get; init; } = int.MaxValue;

    /// <summary>
    /// HTTP/2 keepalive pings. Off by default: C++ gRPC servers answer pings more frequent than
    /// every 5 minutes with GOAWAY(ENHANCE_YOUR_CALM), so shorter delays are refused.
    /// </summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = Timeout.InfiniteTimeSpan;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Budget for response headers and trailers (KiB); P4Runtime write errors can be large.</summary>
    public int MaxResponseHeadersKiB { get; init; } = 1024;

    /// <summary>TLS settings for https:// addresses; null uses the system defaults.</summary>
    public SslClientAuthenticationOptions? Ssl { get; init; }

    public static readonly TimeSpan MinimumKeepAlivePingDelay = TimeSpan.FromMinutes(5);
}
