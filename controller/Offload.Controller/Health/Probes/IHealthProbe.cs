using System.Net;

namespace Offload.Controller.Health.Probes;

/// <summary>Where a probe goes: the backend's address and the checked port, from an optional source address.</summary>
public sealed record ProbeTarget(IPAddress Address, ushort Port, IPAddress? Source = null)
{
    public IPEndPoint EndPoint => new(Address, Port);
    public override string ToString() => EndPoint.ToString();
}

/// <summary>One probe's outcome; a script may also say the weight the backend should have.</summary>
public readonly record struct ProbeResult(bool Up, string Detail, int? Weight = null)
{
    public static ProbeResult Success(string detail, int? weight = null) => new(true, detail, weight);
    public static ProbeResult Failure(string detail) => new(false, detail);
}

/// <summary>One kind of health check. A probe may throw (refused, reset, timed out): <see cref="ProbeRunner"/> makes that a failure.</summary>
public interface IHealthProbe
{
    Task<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken);
}
