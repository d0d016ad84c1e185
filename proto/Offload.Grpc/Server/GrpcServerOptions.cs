using System.Security.Cryptography.X509Certificates;

namespace Offload.Grpc.Server;

public sealed record GrpcServerOptions
{
    /// <summary>HOST:PORT to listen on; loopback unless configured otherwise. Port 0 picks a free port.</summary>
    public string ListenAddress { get; init; } = "127.0.0.1:0";

    public int MaxReceiveMessageSize { get; init; } = 4 * 1024 * 1024;
    public int MaxSendMessageSize { get; init; } = int.MaxValue;

    /// <summary>Serve TLS (HTTP/2 over ALPN) with this certificate; null serves cleartext h2c.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>With TLS: client certificates must chain to one of these (custom roots, no system store, no revocation check).</summary>
    public X509Certificate2Collection? ClientCertificateAuthorities { get; init; }

    /// <summary>With <see cref="ClientCertificateAuthorities"/>: refuse a client that presents no certificate.</summary>
    public bool RequireClientCertificate { get; init; }
}
