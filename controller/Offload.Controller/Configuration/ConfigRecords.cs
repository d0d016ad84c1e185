using System.Net;

namespace Offload.Controller.Configuration;

/// <summary>A whole controller configuration, as read from YAML (docs/config.md).</summary>
public sealed record OffloadConfig(
    IReadOnlyList<SwitchConfig> Switches,
    IReadOnlyList<BackendConfig> Backends,
    IReadOnlyList<VipConfig> Vips,
    IReadOnlyList<AclRuleConfig> Acl);

/// <summary>A P4Runtime switch running offload.p4.</summary>
public sealed record SwitchConfig(string Name, string Address, ulong DeviceId, string Role, ulong ElectionId,
    string P4InfoPath, string? DeviceConfigPath, ConfigLocation Location);

/// <summary>A backend endpoint: where it listens and how the switch reaches it.</summary>
public sealed record BackendConfig(string Name, IPAddress Address, ushort Port, string Mac, uint SwitchPort, int Weight,
    string? HealthCheck, ConfigLocation Location);

public enum VipMode { DataplaneSelect, ControllerClassify, DeliverOnly }

public enum Affinity { None, SourceIp, TlsSession }

/// <summary>A service address and the pool behind it.</summary>
public sealed record VipConfig(string Name, IPAddress Address, byte Protocol, ushort Port, VipMode Mode, string Algorithm,
    Affinity Affinity, bool PuntNonSyn, IReadOnlyList<string> Pool, ConfigLocation Location);

public enum AclAction { Permit, Drop, Punt }

/// <summary>One ACL rule; unset fields match anything.</summary>
public sealed record AclRuleConfig(string Name, int Priority, AclAction Action, uint? IngressPort, IPNetwork? Source,
    IPNetwork? Destination, byte? Protocol, ushort? DestinationPortLow, ushort? DestinationPortHigh, ConfigLocation Location);

/// <summary>Where a value came from, for error messages a person can act on.</summary>
public sealed record ConfigLocation(string File, int Line)
{
    public override string ToString() => $"{File}:{Line}";
}
