using System.Net;

namespace Offload.Topology.Model;

/// <summary>
/// A topology file: switches, the hosts on their ports (servers and clients, each in its own network namespace),
/// the links between them, and the controllers that run the switches.
/// </summary>
public sealed record TopologySpec(string Name, IReadOnlyList<SwitchSpec> Switches, IReadOnlyList<HostSpec> Hosts,
    IReadOnlyList<LinkSpec> Links, IReadOnlyList<ControllerSpec> Controllers, string Directory)
{
    /// <summary>A one-member etcd (Debian's etcd-server) the run starts on loopback for its controllers; null: none.</summary>
    public EtcdSpec? Etcd { get; init; }

    public IEnumerable<HostSpec> Clients => Hosts.Where(h => h.IsClient);

    public HostSpec Host(string name) => Hosts.FirstOrDefault(h => h.Name == name) ?? throw new ArgumentException($"no host named '{name}' in topology {Name}");

    public LinkSpec LinkOf(HostSpec host) => Links.First(l => l.Host == host.Name);

    /// <summary>A switch and the standby switches wired in parallel with it (each of its links reaches theirs too).</summary>
    public IReadOnlyList<string> Parallel(string sw) => Switches.Where(s => s.StandbyFor == sw).Select(s => s.Name).Prepend(sw).ToList();

    /// <summary>The switch ports a host or the management link reaches: the linked port on its switch and on that switch's standbys.</summary>
    public IReadOnlyList<(string Switch, uint Port)> Ends(string sw, uint port) => Parallel(sw).Select(s => (s, port)).ToList();
}

public enum SwitchKind { Sim, Bmv2 }

/// <summary>The run's etcd: its client port on 127.0.0.1 (the controllers' <c>etcd:</c>) and its peer port.</summary>
public sealed record EtcdSpec(int ClientPort, int PeerPort);

/// <summary>
/// A switch: offload-sim or BMv2's simple_switch_grpc, serving P4Runtime on loopback. A standby (<c>StandbyFor</c>)
/// is wired in parallel with its switch: each of that switch's links reaches the same port here, through a bridge.
/// </summary>
public sealed record SwitchSpec(string Name, SwitchKind Kind, ulong DeviceId, int P4RuntimePort, uint CpuPort, string? StandbyFor = null);

/// <summary>An address on an interface, with its prefix length (198.18.1.11/24).</summary>
public readonly record struct InterfaceAddress(IPAddress Address, int PrefixLength)
{
    public static InterfaceAddress? Parse(string text)
    {
        var slash = text.IndexOf('/');
        return slash > 0 && IPAddress.TryParse(text[..slash], out var address) && int.TryParse(text[(slash + 1)..], out var length)
            && length >= 0 && length <= (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
            ? new InterfaceAddress(address, length) : null;
    }

    public override string ToString() => $"{Address}/{PrefixLength}";
}

/// <summary>
/// A host in its own namespace: one interface (eth0) linked to a switch port, its gateway, what it serves; optionally
/// an IPv6 address and gateway as well (the switch answers neighbor solicitations for its addresses through the controller).
/// </summary>
public sealed record HostSpec(string Name, bool IsClient, InterfaceAddress Address, string Mac, IPAddress? Gateway, IReadOnlyList<ServiceSpec> Services,
    InterfaceAddress? Address6 = null, IPAddress? Gateway6 = null)
{
    public bool Has(IPAddress address) => Address.Address.Equals(address) || Address6?.Address.Equals(address) == true;
}

public enum ServiceKind { Http, Https, Socks5, Echo, Command }

/// <summary>
/// A service a host runs: the built-in HTTP(S) server (answers with the host's name; a second port for health checks
/// when <c>HealthPort</c> is set), a TCP echo server, microsocks, or any command.
/// </summary>
public sealed record ServiceSpec(ServiceKind Kind, ushort Port, ushort? HealthPort, string? Command)
{
    public string Label => Kind == ServiceKind.Command && Port == 0 ? "command" : $"{Kind.ToString().ToLowerInvariant()}:{Port}";
}

/// <summary>A host's interface on a switch port.</summary>
public sealed record LinkSpec(string Host, string Switch, uint Port);

/// <summary>
/// A controller process and its configuration file. Its management link, when given, is an interface of the
/// root namespace on a switch port, so the controller's health probes reach the hosts through the switch.
/// </summary>
public sealed record ControllerSpec(string Name, string ConfigPath, string AdminAddress, ManagementLink? Management);

public sealed record ManagementLink(string Switch, uint Port, InterfaceAddress Address, string Mac, IPAddress Gateway, IReadOnlyList<string> Routes);
