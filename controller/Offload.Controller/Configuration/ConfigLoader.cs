using System.Net;
using Offload.Controller.Health.Probes;
using System.Text.RegularExpressions;

namespace Offload.Controller.Configuration;

/// <summary>Reads a controller configuration from YAML; every error names the file, the line and the field.</summary>
public static partial class ConfigLoader
{
    private static readonly string[] Sections = ["controller", "switches", "backends", "vips", "acl", "applications", "health_checks"];

    public static OffloadConfig LoadFile(string path, Func<string, bool> isKnownAlgorithm) => Load(ReadFile(path), path, isKnownAlgorithm);

    /// <summary>A configuration file's text; a file that cannot be read is a configuration error naming it.</summary>
    public static string ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([$"{path}: {ex.Message}"]);
        }
    }

    public static OffloadConfig Load(string yaml, string file, Func<string, bool> isKnownAlgorithm)
    {
        var errors = new List<string>();
        var root = YamlSection.Root(yaml, file, Sections, errors);

        OffloadConfig config = new(
            YamlSection.List(root, "switches", file, errors).SelectMany(ReadSwitchAndStandbys).ToList(),
            YamlSection.List(root, "backends", file, errors).Select(ReadBackend).ToList(),
            YamlSection.List(root, "vips", file, errors).Select(s => ReadVip(s, isKnownAlgorithm)).ToList(),
            YamlSection.List(root, "acl", file, errors).Select(ReadAclRule).ToList(),
            YamlSection.List(root, "applications", file, errors).Select(ReadApplication).ToList(),
            YamlSection.List(root, "health_checks", file, errors).Select(ReadHealthCheck).ToList(),
            YamlSection.Mapping(root, "controller", file, errors) is { } controller ? ReadController(controller) : ControllerConfig.Default);
        config = Identifiers.Assign(config, errors);
        ConfigValidator.Validate(config, errors);
        if (errors.Count > 0)
            throw new ConfigException(errors);
        return config;
    }

    private static SwitchConfig ReadSwitch(YamlSection s)
    {
        var config = new SwitchConfig(
            s.Text("name", required: true) ?? "",
            s.Text("address", required: true) ?? "",
            s.Unsigned("device_id", ulong.MaxValue) ?? 0,
            s.Text("role") ?? "",
            s.Unsigned("election_id", ulong.MaxValue, required: true) ?? 0,
            s.Text("p4info"),
            s.Text("device_config"),
            s.Mac("router_mac") ?? DefaultRouterMac,
            s.Children("interfaces").Select(ReadInterface).ToList(),
            s.Children("routes").Select(ReadRoute).ToList(),
            s.Location);
        if (config.Address.Length > 0 && !HostPort().IsMatch(config.Address))
            s.Error("address", $"'{config.Address}' is not HOST:PORT");
        if (config.ElectionId == 0 && s.Text("election_id") is not null)
            s.Error("election_id", "0 is not a valid election id");
        s.RejectUnknownKeys();
        return config;
    }

    // A switch with `standby:` heads an active/standby group: each standby takes the head's ports, interfaces, routes,
    // pipeline and uplinks, with its own name, address, device id, election id and router MAC.
    private static IEnumerable<SwitchConfig> ReadSwitchAndStandbys(YamlSection s)
    {
        var standbys = s.Children("standby");
        var virtualMac = s.Mac("virtual_mac");
        var uplinks = s.Children("uplinks").Select(ReadUplink).ToList();
        var head = ReadSwitch(s) with { Uplinks = uplinks };
        if (standbys.Count == 0)
        {
            if (virtualMac is not null)
                s.Error("virtual_mac", "only a switch with standby switches has a virtual MAC");
            return [head];
        }
        if (virtualMac is null)
            s.Error("virtual_mac", "required with standby: the MAC the active switch answers for the interfaces, moved to a standby on failover");
        var members = standbys.Select(t => t.Text("name") ?? "").Prepend(head.Name).ToList();
        var group = new SwitchGroupConfig(head.Name, members, virtualMac ?? "");
        return standbys.Select(t => ReadStandby(t, head)).Prepend(head).Select(m => m with { Group = group }).ToList();
    }

    private static SwitchConfig ReadStandby(YamlSection s, SwitchConfig head)
    {
        var standby = head with
        {
            Name = s.Text("name", required: true) ?? "",
            Address = s.Text("address", required: true) ?? "",
            DeviceId = s.Unsigned("device_id", ulong.MaxValue) ?? head.DeviceId,
            ElectionId = s.Unsigned("election_id", ulong.MaxValue) ?? head.ElectionId,
            RouterMac = s.Mac("router_mac", required: true) ?? "",
            Location = s.Location,
        };
        if (standby.Address.Length > 0 && !HostPort().IsMatch(standby.Address))
            s.Error("address", $"'{standby.Address}' is not HOST:PORT");
        if (standby.RouterMac == head.RouterMac)
            s.Error("router_mac", $"{standby.RouterMac} is {head.Name}'s too: each switch of a group has its own router MAC");
        s.RejectUnknownKeys();
        return standby;
    }

    private static UplinkConfig ReadUplink(YamlSection s)
    {
        var uplink = new UplinkConfig((uint)(s.Unsigned("port", 510, required: true) ?? 0),
            s.Object("neighbor", t => IPAddress.TryParse(t, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? a : null,
                "an IPv4 address (the neighbour ARP-probed on the port)", required: true) ?? IPAddress.None);
        s.RejectUnknownKeys();
        return uplink;
    }

    public const string DefaultRouterMac = "00:aa:00:00:00:01";

    private static InterfaceConfig ReadInterface(YamlSection s)
    {
        var port = (uint)(s.Unsigned("port", 510, required: true) ?? 0);
        var prefix = s.Value("address", t => t.Contains('/') && IPNetwork.TryParse(t, out var n) ? n : (IPNetwork?)null, "an interface address with its prefix, like 10.0.0.1/24", required: true);
        var text = s.Text("address") ?? "";
        s.RejectUnknownKeys();
        return new InterfaceConfig(port, prefix is null ? IPAddress.None : IPAddress.Parse(text[..text.IndexOf('/')]), prefix?.PrefixLength ?? 0);
    }

    private static RouteConfig ReadRoute(YamlSection s)
    {
        var route = new RouteConfig(
            s.Value("prefix", t => IPNetwork.TryParse(t, out var n) ? n : (IPNetwork?)null, "a prefix like 10.0.0.0/24 or a host like 10.0.0.2/32", required: true) ?? default,
            (uint)(s.Unsigned("port", 510, required: true) ?? 0),
            s.Mac("mac", required: true) ?? "");
        s.RejectUnknownKeys();
        return route;
    }

    private static BackendConfig ReadBackend(YamlSection s)
    {
        var config = new BackendConfig(
            s.Text("name", required: true) ?? "",
            (int)(s.Unsigned("id", 4095) ?? 0),
            s.Object("address", t => IPAddress.TryParse(t, out var a) ? a : null, "an IPv4 or IPv6 address", required: true) ?? IPAddress.None,
            (ushort)(s.Unsigned("port", 65535, required: true) ?? 0),
            s.Mac("mac", required: true) ?? "",
            (uint)(s.Unsigned("switch_port", 510, required: true) ?? 0),
            (int)(s.Unsigned("weight", 1_000_000) ?? 1),
            s.Text("health_check"),
            s.Value("direct_access", t => bool.TryParse(t, out var b) ? b : (bool?)null, "true or false") ?? false,
            s.Text("agent"),
            s.Text("agent_service"),
            s.Location);
        if (config.Agent is { } agent && !agent.StartsWith("unix:/", StringComparison.Ordinal) && !HostPort().IsMatch(agent))
            s.Error("agent", $"'{agent}' is neither HOST:PORT nor unix:/path/to/socket");
        if (config.Agent is not null && string.IsNullOrEmpty(config.AgentService))
            s.Error("agent_service", "required with agent: the name of the service the node agent watches");
        if (config.Agent is null && config.AgentService is not null)
            s.Error("agent_service", "needs agent: where the node agent listens");
        if (s.Text("port") is "0")
            s.Error("port", "port 0 is not a service port");
        s.RejectUnknownKeys();
        return config;
    }

    private static VipConfig ReadVip(YamlSection s, Func<string, bool> isKnownAlgorithm)
    {
        var mode = s.Enum<VipMode>("mode") ?? VipMode.DataplaneSelect;
        var multiplex = new Dictionary<PayloadKind, IReadOnlyList<string>>();
        if (s.Child("multiplex") is { } kinds)
        {
            foreach (var kind in Enum.GetValues<PayloadKind>())
            {
                if (kinds.Strings(kind.ToString().ToLowerInvariant()) is { Count: > 0 } pool)
                    multiplex[kind] = pool;
            }
            kinds.RejectUnknownKeys();
        }
        var routes = s.Children("http_routes").Select(r =>
        {
            var route = new HttpRouteConfig(r.Text("host"), r.Text("path_prefix"), r.Strings("pool"));
            if (route.Host is null && route.PathPrefix is null)
                r.Error("path_prefix", "a route needs a host or a path_prefix to match");
            if (route.PathPrefix is { } prefix && !prefix.StartsWith('/'))
                r.Error("path_prefix", $"'{prefix}' does not start with /");
            if (route.Pool.Count == 0)
                r.Error("pool", "a route needs at least one backend");
            r.RejectUnknownKeys();
            return route;
        }).ToList();
        var config = new VipConfig(
            s.Text("name", required: true) ?? "",
            (int)(s.Unsigned("id", 1023) ?? 0),
            s.Object("address", t => IPAddress.TryParse(t, out var a) ? a : null, "an IPv4 or IPv6 address", required: true) ?? IPAddress.None,
            s.Value<byte>("protocol", ParseProtocol, "tcp, udp or a protocol number") ?? 6,
            (ushort)(s.Unsigned("port", 65535, required: true) ?? 0),
            s.Mac("vmac") ?? "",
            mode,
            s.Text("algorithm") ?? "maglev",
            s.Enum<Affinity>("affinity") ?? Affinity.None,
            s.Value("punt_non_syn", t => bool.TryParse(t, out var b) ? b : (bool?)null, "true or false") ?? false,
            s.Strings("pool"),
            s.Strings("deliver_to"),
            DenySources(s),
            s.Location) { Multiplex = multiplex, HttpRoutes = routes };
        if (mode == VipMode.Multiplex)
        {
            if (config.Pool.Count > 0)
                s.Error("pool", "a multiplex VIP's pools are under multiplex: (tls, socks5, http, other)");
            if (multiplex.Count == 0)
                s.Error("multiplex", "a multiplex VIP needs at least one pool: tls, socks5, http or other (anything else)");
            if (config.Protocol != 6)
                s.Error("protocol", "a multiplex VIP is TCP: it reads the connection's first payload");
            if (routes.Count > 0 && !multiplex.ContainsKey(PayloadKind.Http))
                s.Error("http_routes", "per-request routes need an http pool under multiplex: (the requests no route matches)");
            config = config with { Pool = multiplex.Values.SelectMany(p => p).Concat(routes.SelectMany(r => r.Pool)).Distinct().ToList(), PuntNonSyn = true };
        }
        else if (multiplex.Count > 0 || routes.Count > 0)
            s.Error(multiplex.Count > 0 ? "multiplex" : "http_routes", "only a VIP with mode: multiplex has pools per payload or per request");
        if (!isKnownAlgorithm(config.Algorithm))
            s.Error("algorithm", $"unknown algorithm '{config.Algorithm}'");
        if (config.Pool.Count == 0 && mode is not (VipMode.DeliverOnly or VipMode.Multiplex))
            s.Error("pool", "a VIP needs at least one backend (or mode: deliver_only)");
        if (mode == VipMode.DeliverOnly && config.DeliverTo.Count == 0)
            s.Error("deliver_to", "a deliver_only VIP needs at least one application");
        s.RejectUnknownKeys();
        return config;
    }

    private static IReadOnlyList<IPNetwork> DenySources(YamlSection s)
    {
        var prefixes = new List<IPNetwork>();
        foreach (var text in s.Strings("deny_sources"))
        {
            if (IPNetwork.TryParse(text, out var prefix))
                prefixes.Add(prefix);
            else
                s.Error("deny_sources", $"'{text}' is not an address prefix like 10.0.0.0/24");
        }
        return prefixes;
    }

    private static ApplicationConfig ReadApplication(YamlSection s)
    {
        var config = new ApplicationConfig(
            s.Text("name", required: true) ?? "",
            (int)(s.Unsigned("id", Identifiers.MaxApplicationId) ?? 0),
            (uint)(s.Unsigned("switch_port", 510, required: true) ?? 0),
            s.Mac("mac", required: true) ?? "",
            s.Object("address", t => IPAddress.TryParse(t, out var a) ? a : null, "an IPv4 or IPv6 address"),
            s.Location);
        s.RejectUnknownKeys();
        return config;
    }

    private static ControllerConfig ReadController(YamlSection s)
    {
        var defaults = ControllerConfig.Default;
        var config = new ControllerConfig(
            s.Text("name") ?? defaults.Name,
            s.Strings("peers"),
            s.Duration("heartbeat", TimeSpan.FromMilliseconds(50), TimeSpan.FromMinutes(10)) ?? defaults.Heartbeat,
            s.Duration("agent_poll", TimeSpan.FromMilliseconds(50), TimeSpan.FromMinutes(10)) ?? defaults.AgentPoll,
            s.Duration("port_probe_interval", TimeSpan.FromMilliseconds(50), TimeSpan.FromMinutes(10)) ?? defaults.PortProbeInterval,
            (int)(s.Unsigned("port_probe_misses", 100) ?? (ulong)defaults.PortProbeMisses),
            s.Text("config_master"),
            (long)(s.Unsigned("config_version", long.MaxValue) ?? 0),
            s.Text("etcd"),
            s.Duration("session_ttl", TimeSpan.FromSeconds(2), TimeSpan.FromDays(1)),
            s.Enum<ElectionMode>("election") ?? ElectionMode.Static,
            s.Duration("election_ttl", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)));
        foreach (var peer in config.Peers.Where(p => !HostPort().IsMatch(p)))
            s.Error("peers", $"'{peer}' is not HOST:PORT (a peer controller's admin endpoint)");
        if (config.ConfigMaster is { } master && !HostPort().IsMatch(master))
            s.Error("config_master", $"'{master}' is not HOST:PORT (the configuration master's admin endpoint)");
        if (config.Etcd is { } etcd && !HostPort().IsMatch(etcd))
            s.Error("etcd", $"'{etcd}' is not HOST:PORT (an etcd client endpoint, e.g. 127.0.0.1:2379)");
        if (config.Election == ElectionMode.Etcd && config.Etcd is null)
            s.Error("election", "etcd needs controller.etcd: where the controllers campaign");
        if (config.PortProbeMisses == 0)
            s.Error("port_probe_misses", "must be at least 1");
        s.RejectUnknownKeys();
        return config;
    }

    private static HealthCheckConfig ReadHealthCheck(YamlSection s)
    {
        var kind = s.Enum<HealthCheckKind>("type", required: true) ?? HealthCheckKind.Tcp;
        var status = s.Text("status") ?? "200-399";
        var range = status.Split('-', 2);
        if (!int.TryParse(range[0], out var low) || !int.TryParse(range.Length > 1 ? range[1] : range[0], out var high) || low < 100 || high > 599 || low > high)
        {
            s.Error("status", $"'{status}' is not a status or a range like 200-399");
            (low, high) = (200, 399);
        }
        var config = new HealthCheckConfig(
            s.Text("name", required: true) ?? "",
            kind,
            (ushort?)s.Unsigned("port", 65535),
            s.Duration("interval", TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1)) ?? TimeSpan.FromSeconds(2),
            s.Duration("timeout", TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(10)) ?? TimeSpan.FromSeconds(1),
            s.Object("source", t => IPAddress.TryParse(t, out var a) ? a : null, "an IPv4 or IPv6 address"),
            (int)(s.Unsigned("fall", 100) ?? 3),
            (int)(s.Unsigned("rise", 100) ?? 3),
            s.Duration("hold_down", TimeSpan.Zero, TimeSpan.FromDays(1)) ?? TimeSpan.FromSeconds(60),
            s.Enum<HeldDownConnections>("held_down_connections") ?? HeldDownConnections.Keep,
            s.Value("weight_from_load", t => bool.TryParse(t, out var b) ? b : (bool?)null, "true or false") ?? false,
            new HttpCheck(s.Text("path") ?? "/", s.Text("host"), low, high, s.Text("body_contains"), kind == HealthCheckKind.Https,
                s.Value("verify_certificate", t => bool.TryParse(t, out var b) ? b : (bool?)null, "true or false") ?? false),
            s.Text("server_name"),
            s.Value("verify_certificate", t => bool.TryParse(t, out var b) ? b : (bool?)null, "true or false") ?? false,
            s.Text("send") ?? "",
            s.Text("expect") ?? "",
            s.Text("command"),
            s.Strings("arguments"),
            s.Location);
        if (s.Text("port") is "0")
            s.Error("port", "port 0 cannot be probed");
        if (config.Fall == 0)
            s.Error("fall", "must be at least 1");
        if (config.Rise == 0)
            s.Error("rise", "must be at least 1");
        if (config.Timeout > config.Interval)
            s.Error("timeout", $"{config.Timeout.TotalMilliseconds:0} ms is longer than the interval ({config.Interval.TotalMilliseconds:0} ms)");
        if (kind == HealthCheckKind.Script && string.IsNullOrEmpty(config.Command))
            s.Error("command", "a script check needs the command to run");
        if (kind != HealthCheckKind.Script && config.Command is not null)
            s.Error("command", "only a script check runs a command");
        if (kind == HealthCheckKind.Udp && config.Send.Length == 0)
            s.Error("send", "a udp check needs the datagram to send");
        s.RejectUnknownKeys();
        return config;
    }

    private static AclRuleConfig ReadAclRule(YamlSection s)
    {
        var ports = s.Text("destination_ports");
        ushort? low = null, high = null;
        if (ports is not null)
        {
            var parts = ports.Split('-', 2);
            if (ushort.TryParse(parts[0], out var l) && ushort.TryParse(parts.Length > 1 ? parts[1] : parts[0], out var h) && l <= h)
                (low, high) = (l, h);
            else
                s.Error("destination_ports", $"'{ports}' is not a port or a range LOW-HIGH");
        }
        var config = new AclRuleConfig(
            s.Text("name", required: true) ?? "",
            (int)(s.Unsigned("priority", int.MaxValue, required: true) ?? 0),
            s.Enum<AclAction>("action", required: true) ?? AclAction.Permit,
            (uint?)s.Unsigned("ingress_port", 510),
            s.Value("source", t => IPNetwork.TryParse(t, out var n) ? n : (IPNetwork?)null, "an address prefix like 10.0.0.0/24"),
            s.Value("destination", t => IPNetwork.TryParse(t, out var n) ? n : (IPNetwork?)null, "an address prefix like 10.0.0.0/24"),
            s.Value<byte>("protocol", ParseProtocol, "tcp, udp, icmp or a protocol number"),
            low, high, s.Location);
        if (config.Priority == 0 && s.Text("priority") is not null)
            s.Error("priority", "must be at least 1");
        s.RejectUnknownKeys();
        return config;
    }

    private static byte? ParseProtocol(string text) => text.ToLowerInvariant() switch
    {
        "tcp" => 6,
        "udp" => 17,
        "icmp" => 1,
        "icmpv6" => 58,
        _ => byte.TryParse(text, out var n) ? n : null,
    };

    [GeneratedRegex(@"^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$")]
    private static partial Regex HostPort();
}
