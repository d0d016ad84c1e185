using System.Security.Cryptography.X509Certificates;

namespace Offload.Grpc.Server;

/// <summary>Does a peer's certificate chain to one of the configured authorities (custom roots only)?</summary>
public static class ClientCertificates
{
    /// <param name="serverAuth">check for the server-authentication purpose rather than client authentication</param>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection authorities, bool serverAuth = false)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2"));
        return chain.Build(certificate);
    }
}
