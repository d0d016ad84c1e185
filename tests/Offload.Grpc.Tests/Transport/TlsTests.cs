using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Offload.Grpc.Client;
using Offload.Grpc.Server;
using Offload.Testing;
using Offload.Tests.Common;
using Xunit;

namespace Offload.Grpc.Tests.Transport;

/// <summary>gRPC over TLS (ALPN h2) when a certificate is configured.</summary>
public sealed class TlsTests
{
    [Fact]
    public async Task Unary_OverTls_TrustedCertificate_Works_UntrustedRefused()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        using var certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);

        await using var server = await GrpcServer.StartAsync(new EchoService().Register(new GrpcServiceRegistry()),
            new GrpcServerOptions { Certificate = certificate });
        Assert.Equal("https", server.Address.Scheme);

        using var trusting = GrpcChannel.ForAddress(server.Address.ToString().TrimEnd('/'), new GrpcChannelOptions
        {
            Ssl = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert?.GetCertHashString() == certificate.GetCertHashString(),
            },
        });
        var response = await trusting.UnaryAsync(EchoMethods.Unary, new EchoRequest { Payload = ByteString.CopyFromUtf8("tls") });
        Assert.Equal("tls", response.Payload.ToStringUtf8());

        using var strict = GrpcChannel.ForAddress(server.Address.ToString().TrimEnd('/'));
        var error = await Assert.ThrowsAsync<RpcException>(() => strict.UnaryAsync(EchoMethods.Unary, new EchoRequest()));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }
}
