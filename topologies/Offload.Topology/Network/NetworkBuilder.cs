using Offload.Topology.Model;
using Offload.Topology.Running;

namespace Offload.Topology.Network;

/// <summary>
/// Builds a topology's network: a namespace per host with one interface (eth0) whose other end is a switch port in
/// the root namespace, and the controller's management interface. Where a switch has standbys, the host's segment is
/// a bridge with a port toward each of them (a learning bridge, as the segment between a VRRP pair and its hosts).
/// Every switch-side end has IPv6 and checksum offload off, so the switch sees (and sends) complete frames.
/// Everything made is recorded in the run state first.
/// </summary>
public sealed class NetworkBuilder(RunState state, Action<string> log)
{
    public const string HostInterface = "eth0";

    public string Namespace(HostSpec host) => NamespaceOf(state.Prefix, host.Name);

    /// <summary>The namespace of a host in the run named <paramref name="prefix"/>.</summary>
    public static string NamespaceOf(string prefix, string host) => $"{prefix}-{host}";

    public string SwitchEnd(string sw, uint port) => Interface($"{state.Prefix}{sw}p{port}");

    public string ManagementInterface => Interface($"{state.Prefix}-mgmt");

    private static string Interface(string name) =>
        name.Length <= 15 ? name : throw new InvalidOperationException($"interface name '{name}' is longer than Linux's 15 characters: shorten the topology, switch or prefix name");

    public void AddHost(HostSpec host, LinkSpec link, TopologySpec topology)
    {
        var ns = Namespace(host);
        state.Namespaces.Add(ns);
        state.Save();
        SystemCommand.Check("ip", "netns", "add", ns);
        Exec(ns, "ip", "link", "set", "lo", "up");
        var ends = topology.Ends(link.Switch, link.Port);
        var temporary = Interface($"{state.Prefix}h{state.Links.Count}");
        Attach(ends, temporary);
        SystemCommand.Check("ip", "link", "set", temporary, "netns", ns);
        Exec(ns, "ip", "link", "set", temporary, "name", HostInterface);
        Exec(ns, "ip", "link", "set", HostInterface, "address", host.Mac);
        Exec(ns, "ip", "addr", "add", host.Address.ToString(), "dev", HostInterface);
        Exec(ns, "ip", "link", "set", HostInterface, "up");
        if (host.Gateway is not null)
            Exec(ns, "ip", "route", "add", "default", "via", host.Gateway.ToString());
        if (host.Address6 is { } address6)
        {
            // No router advertisements here and no duplicate detection to wait for: the address works at once.
            foreach (var setting in new[] { "disable_ipv6=0", "accept_ra=0", "accept_dad=0" })
                Exec(ns, "sysctl", "-qw", $"net.ipv6.conf.{HostInterface}.{setting}");
            Exec(ns, "ip", "-6", "addr", "add", address6.ToString(), "dev", HostInterface, "nodad");
            if (host.Gateway6 is not null)
                Exec(ns, "ip", "-6", "route", "add", "default", "via", host.Gateway6.ToString(), "dev", HostInterface);
        }
        log($"host {host.Name}: namespace {ns}, {HostInterface} {host.Address}{(host.Address6 is { } a6 ? $" {a6}" : "")} ({host.Mac}) on {Describe(ends)}");
    }

    /// <summary>The controller's interface into the switch, in the root namespace, with routes to the hosts' prefixes through it.</summary>
    public void AddManagement(ManagementLink link, TopologySpec topology)
    {
        var mine = ManagementInterface;
        var ends = topology.Ends(link.Switch, link.Port);
        Attach(ends, mine);
        SystemCommand.Check("ip", "link", "set", mine, "address", link.Mac);
        SystemCommand.Check("ip", "addr", "add", link.Address.ToString(), "dev", mine);
        SystemCommand.Check("ip", "link", "set", mine, "up");
        foreach (var route in link.Routes)
            SystemCommand.Check("ip", "route", "add", route, "via", link.Gateway.ToString(), "dev", mine);
        log($"management: {mine} {link.Address} ({link.Mac}) on {Describe(ends)}; routes {string.Join(", ", link.Routes)} via {link.Gateway}");
    }

    private string Describe(IReadOnlyList<(string Switch, uint Port)> ends) =>
        string.Join(" and ", ends.Select(e => $"{e.Switch} port {e.Port} ({SwitchEnd(e.Switch, e.Port)})")) + (ends.Count > 1 ? ", bridged" : "");

    /// <summary>
    /// Connects <paramref name="other"/> (left in the root namespace, not up) to switch ports: one veth to a single
    /// port; else a bridge with a veth to each port and one to <paramref name="other"/>.
    /// </summary>
    private void Attach(IReadOnlyList<(string Switch, uint Port)> ends, string other)
    {
        if (ends.Count == 1)
        {
            AddVeth(SwitchEnd(ends[0].Switch, ends[0].Port), other);
            return;
        }
        var bridge = Interface($"{state.Prefix}br{state.Links.Count}");
        state.Links.Add(bridge);
        state.Save();
        SystemCommand.Check("ip", "link", "add", bridge, "type", "bridge", "stp_state", "0", "mcast_snooping", "0");
        SystemCommand.Run("sysctl", "-qw", $"net.ipv6.conf.{bridge}.disable_ipv6=1");
        SystemCommand.Check("ip", "link", "set", bridge, "up");
        foreach (var (sw, port) in ends)
        {
            var bridgePort = Interface($"{state.Prefix}q{state.Links.Count}");
            AddVeth(SwitchEnd(sw, port), bridgePort);
            Enslave(bridgePort, bridge);
        }
        var hostPort = Interface($"{state.Prefix}q{state.Links.Count}");
        AddVeth(hostPort, other);
        Enslave(hostPort, bridge);
    }

    private static void Enslave(string port, string bridge)
    {
        SystemCommand.Check("ip", "link", "set", port, "master", bridge);
        SystemCommand.Check("ip", "link", "set", port, "up");
    }

    private void AddVeth(string switchEnd, string other)
    {
        state.Links.Add(switchEnd);
        state.Save();
        CreateVeth(switchEnd, other);
    }

    /// <summary>
    /// A veth pair with IPv6 and every offload off on both ends (so frames carry complete checksums), the first end up
    /// in the root namespace.
    /// </summary>
    public static void CreateVeth(string switchEnd, string other)
    {
        SystemCommand.Check("ip", "link", "add", switchEnd, "type", "veth", "peer", "name", other);
        foreach (var end in new[] { switchEnd, other })
        {
            SystemCommand.Run("sysctl", "-qw", $"net.ipv6.conf.{end}.disable_ipv6=1");
            SystemCommand.Check("ethtool", "-K", end, "tx", "off", "rx", "off", "tso", "off", "gso", "off", "gro", "off");
        }
        SystemCommand.Check("ip", "link", "set", switchEnd, "up");
    }

    public string Exec(string ns, string file, params string[] args) => SystemCommand.Check("ip", ["netns", "exec", ns, file, .. args]);

    /// <summary>Removes what a run made: processes in its namespaces, the namespaces, the switch-side links.</summary>
    public static void Remove(RunState state, Action<string> log)
    {
        foreach (var ns in state.Namespaces)
        {
            foreach (var pid in SystemCommand.Run("ip", "netns", "pids", ns).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                SystemCommand.Run("kill", "-9", pid);
            if (SystemCommand.Run("ip", "netns", "del", ns).ExitCode == 0)
                log($"removed namespace {ns}");
        }
        foreach (var link in state.Links)
        {
            if (SystemCommand.Run("ip", "link", "del", link).ExitCode == 0)
                log($"removed interface {link}");
        }
    }
}
