namespace Offload.Controller.Health.Probes;

/// <summary>Up when a TCP connection opens.</summary>
public sealed class TcpProbe : IHealthProbe
{
    public async Task<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
    {
        using var socket = await ProbeRunner.ConnectAsync(target, cancellationToken);
        return ProbeResult.Success("connected");
    }
}
