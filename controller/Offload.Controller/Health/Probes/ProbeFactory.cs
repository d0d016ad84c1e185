using System.Text;
using Offload.Controller.Configuration;

namespace Offload.Controller.Health.Probes;

/// <summary>The probe a configured health check runs.</summary>
public static class ProbeFactory
{
    public static IHealthProbe Create(HealthCheckConfig check) => check.Kind switch
    {
        HealthCheckKind.Tcp => new TcpProbe(),
        HealthCheckKind.Http or HealthCheckKind.Https => new HttpProbe(check.Http),
        HealthCheckKind.Tls => new TlsProbe(check.ServerName, check.VerifyCertificate),
        HealthCheckKind.Socks5 => new Socks5Probe(),
        HealthCheckKind.Udp => new UdpProbe(Encoding.UTF8.GetBytes(check.Send), Encoding.UTF8.GetBytes(check.Expect)),
        HealthCheckKind.Script => new ScriptProbe(check.Command!, check.Arguments),
        _ => throw new ArgumentOutOfRangeException(nameof(check), check.Kind, "unknown health check type"),
    };

    public static ProbeTarget Target(HealthCheckConfig check, BackendConfig backend) => new(backend.Address, check.Port ?? backend.Port, check.Source);

    public static HealthPolicy Policy(HealthCheckConfig? check) =>
        check is null ? new HealthPolicy() : new HealthPolicy(check.Fall, check.Rise, check.HoldDown);
}
