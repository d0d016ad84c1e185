using System.Net;
using Offload.Controller.Health.Probes;

namespace Offload.Controller.Configuration;

/// <summary>A whole controller configuration, as read from YAML (docs/config.md).</summary>
public sealed record OffloadConfig(
    IReadOnlyList<SwitchConfig> Switches,
    IReadOnlyList<BackendConfig> Backends,
    IReadOnlyList<VipConfig> Vips,
    IReadOnlyList<AclRuleConfig> Acl,
    IReadOnlyList<ApplicationConfig> Applications,
    IReadOnlyList<HealthCheckConfig> HealthChecks,
    ControllerConfig Controller);

/// <summary>
/// This controller among its peers: its name, the peers whose health/load tables it caches (their admin endpoints),
/// how often it sends heartbeats and polls node agents, and how switch ports are watched.
/// </summary>
/// <param name="ConfigMaster">the admin endpoint of the controller whose configuration this one follows (cluster configuration); null: its own file</param>
/// <param name="ConfigVersion">this file's version; a controller refuses a configuration older than the one it runs</param>
/// <param name="Etcd">the etcd endpoint (HOST:PORT) the connection table is replicated to; null: the table stays in memory</param>
/// <param name="SessionTtl">how long replicated connection records outlive the controller that wrote them (their lease's TTL)</param>
/// <param name="Election">how this controller's election ids are chosen: the configured ones, or won through etcd</param>
/// <param name="ElectionTtl">the etcd election's lease: how long a killed leader keeps its leadership</param>
public sealed record ControllerConfig(string Name, IReadOnlyList<string> Peers, TimeSpan Heartbeat, TimeSpan AgentPoll,
    TimeSpan PortProbeInterval, int PortProbeMisses, string? ConfigMaster = null, long ConfigVersion = 0, string? Etcd = null, TimeSpan? SessionTtl = null,
    ElectionMode Election = ElectionMode.Static, TimeSpan? ElectionTtl = null)
{
    public static readonly TimeSpan DefaultElectionTtl = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan DefaultSessionTtl = TimeSpan.FromSeconds(60);

    public static ControllerConfig Default { get; } = new(Environment.MachineName, [], TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 3);
}

public enum ElectionMode { Static, Etcd }

public enum HealthCheckKind { Tcp, Http, Https, Tls, Socks5, Udp, Script }

/// <summary>What becomes of a held-down backend's established connections.</summary>
public enum HeldDownConnections
{
    /// <summary>They stay pinned (keepalived's inhibit_on_failure): only new connections avoid the backend.</summary>
    Keep,

    /// <summary>Their routes are removed, so their clients reconnect to another backend.</summary>
    Remove,
}

/// <summary>A health check backends refer to by name: the probe, its schedule, and the state machine's thresholds.</summary>
public sealed record HealthCheckConfig(string Name, HealthCheckKind Kind, ushort? Port, TimeSpan Interval, TimeSpan Timeout, IPAddress? Source,
    int Fall, int Rise, TimeSpan HoldDown, HeldDownConnections HeldDownConnections, bool WeightFromLoad,
    HttpCheck Http, string? ServerName, bool VerifyCertificate, string Send, string Expect, string? Command, IReadOnlyList<string> Arguments,
    ConfigLocation Location);

/// <summary>A network application a service is also delivered to (seed 004): an IDS, a firewall, a second implementation.</summary>
public sealed record ApplicationConfig(string Name, int Id, uint SwitchPort, string Mac, IPAddress? Address, ConfigLocation Location);

/// <summary>A P4Runtime switch running offload.p4, with the L3 interfaces and routes it forwards by.</summary>
public sealed record SwitchConfig(string Name, string Address, ulong DeviceId, string Role, ulong ElectionId,
    string? P4InfoPath, string? DeviceConfigPath, string RouterMac, IReadOnlyList<InterfaceConfig> Interfaces,
    IReadOnlyList<RouteConfig> Routes, ConfigLocation Location)
{
    /// <summary>The active/standby group this switch belongs to; null when it stands alone.</summary>
    public SwitchGroupConfig? Group { get; init; }

    /// <summary>Neighbours whose ARP answers tell this switch's own uplinks from its peers' (own-versus-peer failure).</summary>
    public IReadOnlyList<UplinkConfig> Uplinks { get; init; } = [];
}

/// <summary>
/// Switches wired in parallel (the same ports to the same segments): one active, holding the virtual MAC of the
/// interfaces and the VIPs, the others standby with every connection route ahead of time, in order of preference.
/// </summary>
public sealed record SwitchGroupConfig(string Name, IReadOnlyList<string> Members, string VirtualMac);

/// <summary>A neighbour on an uplink port, ARP-probed to tell whether this switch's link to it works.</summary>
public sealed record UplinkConfig(uint Port, IPAddress Neighbor);

/// <summary>A routed switch port and its address (answered by ARP with the router MAC).</summary>
public sealed record InterfaceConfig(uint Port, IPAddress Address, int PrefixLength)
{
    /// <summary>The prefix the address is on (198.18.1.0/24 for 198.18.1.1/24).</summary>
    public IPNetwork Subnet
    {
        get
        {
            var bytes = Address.GetAddressBytes();
            for (var bit = PrefixLength; bit < bytes.Length * 8; bit++)
                bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
            return new IPNetwork(new IPAddress(bytes), PrefixLength);
        }
    }
}

/// <summary>A route: packets to <c>Prefix</c> leave on <c>Port</c> toward <c>NextHopMac</c> (a host route for an attached host).</summary>
public sealed record RouteConfig(IPNetwork Prefix, uint Port, string NextHopMac);

/// <summary>A backend endpoint: where it listens and how the switch reaches it.</summary>
public sealed record BackendConfig(string Name, int Id, IPAddress Address, ushort Port, string Mac, uint SwitchPort, int Weight,
    string? HealthCheck, bool DirectAccess, string? Agent, string? AgentService, ConfigLocation Location);

public enum VipMode { DataplaneSelect, ControllerClassify, DeliverOnly, Multiplex }

/// <summary>What a multiplexed connection's first payload is: a TLS ClientHello, a SOCKS5 greeting, an HTTP request, or anything else (a VPN's framing).</summary>
public enum PayloadKind { Tls, Socks5, Http, Other }

public enum Affinity { None, SourceIp, TlsSession }

/// <summary>A service address and the pool behind it.</summary>
public sealed record VipConfig(string Name, int Id, IPAddress Address, byte Protocol, ushort Port, string Vmac, VipMode Mode,
    string Algorithm, Affinity Affinity, bool PuntNonSyn, IReadOnlyList<string> Pool, IReadOnlyList<string> DeliverTo,
    IReadOnlyList<IPNetwork> DenySources, ConfigLocation Location)
{
    /// <summary>A multiplexed VIP's pool per kind of first payload (its <see cref="Pool"/> is all of them); empty otherwise.</summary>
    public IReadOnlyDictionary<PayloadKind, IReadOnlyList<string>> Multiplex { get; init; } = new Dictionary<PayloadKind, IReadOnlyList<string>>();

    /// <summary>A multiplex VIP's per-request routes for HTTP/1.1: the first that matches a request picks its pool.</summary>
    public IReadOnlyList<HttpRouteConfig> HttpRoutes { get; init; } = [];
}

/// <summary>A request route: a request whose Host is <c>Host</c> (when set) and whose path starts with <c>PathPrefix</c> (when set) goes to <c>Pool</c>.</summary>
public sealed record HttpRouteConfig(string? Host, string? PathPrefix, IReadOnlyList<string> Pool);

public enum AclAction { Permit, Drop, Punt }

/// <summary>One ACL rule; unset fields match anything.</summary>
public sealed record AclRuleConfig(string Name, int Priority, AclAction Action, uint? IngressPort, IPNetwork? Source,
    IPNetwork? Destination, byte? Protocol, ushort? DestinationPortLow, ushort? DestinationPortHigh, ConfigLocation Location);

/// <summary>Where a value came from, for error messages a person can act on.</summary>
public sealed record ConfigLocation(string File, int Line)
{
    public override string ToString() => $"{File}:{Line}";
}
