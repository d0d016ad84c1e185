using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Offload.Tests.Common;

/// <summary>A throwaway PKI in PEM files: a CA, a server certificate for localhost/127.0.0.1 and a client certificate
/// it signed, and a self-signed client certificate no CA vouches for.</summary>
public sealed class TestCertificates : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("offload-pki-");

    public TestCertificates()
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Offload test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(2));
        Write("ca.pem", ca.ExportCertificatePem());

        Issue("server", ca, server: true);
        Issue("client", ca, server: false);
        using var rogueKey = RSA.Create(2048);
        using var rogue = new CertificateRequest("CN=rogue", rogueKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        Write("rogue.pem", rogue.ExportCertificatePem());
        Write("rogue.key", rogueKey.ExportPkcs8PrivateKeyPem());
    }

    public string Ca => PathOf("ca.pem");
    public string ServerCertificate => PathOf("server.pem");
    public string ServerKey => PathOf("server.key");
    public string ClientCertificate => PathOf("client.pem");
    public string ClientKey => PathOf("client.key");
    public string RogueCertificate => PathOf("rogue.pem");
    public string RogueKey => PathOf("rogue.key");

    public void Dispose() => _directory.Delete(recursive: true);

    private void Issue(string name, X509Certificate2 ca, bool server)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={(server ? "localhost" : "offload-controller")}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(8);
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), serial);
        Write($"{name}.pem", issued.ExportCertificatePem());
        Write($"{name}.key", key.ExportPkcs8PrivateKeyPem());
    }

    private string PathOf(string name) => Path.Combine(_directory.FullName, name);

    private void Write(string name, string pem) => File.WriteAllText(PathOf(name), pem);
}
