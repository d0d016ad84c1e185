using System.Net;
using System.Text.RegularExpressions;
using Offload.Controller.Configuration;
using YamlDotNet.RepresentationModel;

namespace Offload.Topology.Model;

/// <summary>Reads a topology file; every problem is reported as "file:line: path: what is wrong", all at once.</summary>
public static partial class TopologyLoader
{
    private static readonly string[] Sections = ["name", "switches", "hosts", "clients", "links", "controllers", "etcd"];

    public static TopologySpec LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([$"{path}: {ex.Message}"]);
        }
        return Load(text, path, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    public static TopologySpec Load(string yaml, string file, string directory)
    {
        var errors = new List<string>();
        var root = YamlSection.Root(yaml, file, Sections, errors);
        var name = root.Children.TryGetValue(new YamlScalarNode("name"), out var n) && n is YamlScalarNode { Value: { } v } ? v : null;
        if (name is null || !ShortName().IsMatch(name))
            errors.Add($"{file}:1: name: required, 1 to 6 lower-case letters or digits (it prefixes namespaces and interfaces)");
        var topology = new TopologySpec(name ?? "",
            YamlSection.List(root, "switches", file, errors).Select(ReadSwitch).ToList(),
            YamlSection.List(root, "hosts", file, errors).Select(s => ReadHost(s, isClient: false))
                .Concat(YamlSection.List(root, "clients", file, errors).Select(s => ReadHost(s, isClient: true))).ToList(),
            YamlSection.List(root, "links", file, errors).Select(ReadLink).ToList(),
            YamlSection.List(root, "controllers", file, errors).Select(s => ReadController(s, directory)).ToList(),
            directory) { Etcd = YamlSection.Mapping(root, "etcd", file, errors) is { } etcd ? ReadEtcd(etcd) : null };
        Validate(topology, file, errors);
        if (errors.Count > 0)
            throw new ConfigException(errors);
        return topology;
    }

    private static SwitchSpec ReadSwitch(YamlSection s)
    {
        var name = Name(s);
        var kind = s.Enum<SwitchKind>("kind") ?? SwitchKind.Sim;
        var deviceId = s.Unsigned("device_id", uint.MaxValue) ?? 0;
        var port = (int)(s.Unsigned("p4runtime_port", 65535) ?? 9559);
        var cpuPort = (uint)(s.Unsigned("cpu_port", 511) ?? 255);
        var standbyFor = s.Text("standby_for");
        s.RejectUnknownKeys();
        return new SwitchSpec(name, kind, deviceId, port, cpuPort, standbyFor);
    }

    private static HostSpec ReadHost(YamlSection s, bool isClient)
    {
        var name = s.Text("name", required: true) ?? "";
        if (name.Length > 0 && !HostName().IsMatch(name))
            s.Error("name", $"'{name}' must be 1 to 12 lower-case letters, digits or '-' (it names the host's namespace)");
        var address = s.Value("address", InterfaceAddress.Parse, "an address with its prefix length (198.18.1.11/24)", required: true);
        var mac = s.Mac("mac", required: true) ?? "";
        var gateway = s.Object("gateway", t => IPAddress.TryParse(t, out var a) ? a : null, "an IP address");
        var address6 = s.Value("address6", t => InterfaceAddress.Parse(t) is { Address.AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } a ? a : (InterfaceAddress?)null,
            "an IPv6 address with its prefix length (2001:2:0:1::11/64)");
        var gateway6 = s.Object("gateway6", t => IPAddress.TryParse(t, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? a : null, "an IPv6 address");
        if (gateway6 is not null && address6 is null)
            s.Error("gateway6", "needs address6");
        var services = s.Children("services").Select(ReadService).ToList();
        s.RejectUnknownKeys();
        return new HostSpec(name, isClient, address ?? default, mac, gateway, services, address6, gateway6);
    }

    private static ServiceSpec ReadService(YamlSection s)
    {
        var kind = s.Enum<ServiceKind>("kind", required: true) ?? ServiceKind.Command;
        var port = (ushort)(s.Unsigned("port", 65535, required: kind != ServiceKind.Command) ?? 0);
        var healthPort = (ushort?)s.Unsigned("health_port", 65535);
        var command = s.Text("command", required: kind == ServiceKind.Command);
        if (healthPort is not null && kind is not (ServiceKind.Http or ServiceKind.Https))
            s.Error("health_port", "only http and https services have a health port");
        if (command is not null && kind != ServiceKind.Command)
            s.Error("command", "only a command service runs a command");
        if (kind != ServiceKind.Command && port == 0)
            s.Error("port", "must be 1 to 65535");
        s.RejectUnknownKeys();
        return new ServiceSpec(kind, port, healthPort, command);
    }

    private static EtcdSpec ReadEtcd(YamlSection s)
    {
        var spec = new EtcdSpec((int)(s.Unsigned("client_port", 65535) ?? 2379), (int)(s.Unsigned("peer_port", 65535) ?? 2380));
        if (spec.ClientPort == spec.PeerPort || spec.ClientPort == 0 || spec.PeerPort == 0)
            s.Error("client_port", $"client port {spec.ClientPort} and peer port {spec.PeerPort} must be two ports");
        s.RejectUnknownKeys();
        return spec;
    }

    private static LinkSpec ReadLink(YamlSection s)
    {
        var host = s.Text("host", required: true) ?? "";
        var sw = s.Text("switch", required: true) ?? "";
        var port = (uint)(s.Unsigned("port", 510, required: true) ?? 0);
        s.RejectUnknownKeys();
        return new LinkSpec(host, sw, port);
    }

    private static ControllerSpec ReadController(YamlSection s, string directory)
    {
        var name = Name(s);
        var config = s.Text("config", required: true) ?? "";
        var admin = s.Text("admin") ?? "127.0.0.1:9580";
        if (!IPEndPoint.TryParse(admin, out _))
            s.Error("admin", $"'{admin}' is not HOST:PORT with an IP address");
        var management = s.Child("management") is { } m ? ReadManagement(m) : null;
        s.RejectUnknownKeys();
        return new ControllerSpec(name, Path.GetFullPath(Path.Combine(directory, config)), admin, management);
    }

    private static ManagementLink ReadManagement(YamlSection s)
    {
        var sw = s.Text("switch", required: true) ?? "";
        var port = (uint)(s.Unsigned("port", 510, required: true) ?? 0);
        var address = s.Value("address", InterfaceAddress.Parse, "an address with its prefix length", required: true);
        var mac = s.Mac("mac", required: true) ?? "";
        var gateway = s.Object("gateway", t => IPAddress.TryParse(t, out var a) ? a : null, "an IP address", required: true);
        var routes = s.Strings("routes");
        foreach (var route in routes.Where(r => !IPNetwork.TryParse(r, out _)))
            s.Error("routes", $"'{route}' is not a prefix (198.18.0.0/15)");
        s.RejectUnknownKeys();
        return new ManagementLink(sw, port, address ?? default, mac, gateway ?? IPAddress.None, routes);
    }

    private static string Name(YamlSection s)
    {
        var name = s.Text("name", required: true) ?? "";
        if (name.Length > 0 && !ShortName().IsMatch(name))
            s.Error("name", $"'{name}' must be 1 to 6 lower-case letters or digits (it names namespaces and interfaces)");
        return name;
    }

    private static void Validate(TopologySpec t, string file, List<string> errors)
    {
        void Error(string message) => errors.Add($"{file}: {message}");
        foreach (var dup in t.Switches.GroupBy(s => s.Name).Where(g => g.Count() > 1))
            Error($"switch '{dup.Key}' is defined {dup.Count()} times");
        foreach (var host in t.Hosts.Where(h => h.Services.GroupBy(s => s.Label).Any(g => g.Count() > 1)))
            Error($"host '{host.Name}' runs two services as {host.Services.GroupBy(s => s.Label).First(g => g.Count() > 1).Key}: give each its own port (a command service's port, when given, is waited for)");
        foreach (var dup in t.Hosts.GroupBy(h => h.Name).Where(g => g.Count() > 1))
            Error($"host '{dup.Key}' is defined {dup.Count()} times");
        foreach (var dup in t.Switches.GroupBy(s => s.P4RuntimePort).Where(g => g.Count() > 1))
            Error($"switches {string.Join(", ", dup.Select(s => s.Name))} share P4Runtime port {dup.Key}");
        var switches = t.Switches.DistinctBy(s => s.Name).ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var standby in t.Switches.Where(s => s.StandbyFor is not null))
        {
            if (!switches.TryGetValue(standby.StandbyFor!, out var primary))
                Error($"switch {standby.Name}: standby_for names no switch '{standby.StandbyFor}'");
            else if (primary.StandbyFor is not null || primary == standby)
                Error($"switch {standby.Name}: standby_for {primary.Name}, which is a standby itself; name the group's first switch");
            else if (primary.CpuPort != standby.CpuPort)
                Error($"switch {standby.Name}: its cpu_port must be {primary.Name}'s ({primary.CpuPort}): it takes the same ports");
        }
        foreach (var link in t.Links.Where(l => switches.TryGetValue(l.Switch, out var s) && s.StandbyFor is not null))
            Error($"link of {link.Host}: {link.Switch} is a standby; link the host to {switches[link.Switch].StandbyFor}, whose links it shares");
        var hosts = t.Hosts.Select(h => h.Name).ToHashSet(StringComparer.Ordinal);
        var ports = new HashSet<(string, uint)>();
        void Port(string owner, string sw, uint port)
        {
            if (!switches.TryGetValue(sw, out var spec))
                Error($"{owner}: no switch named '{sw}'");
            else if (port == 0 || port == spec.CpuPort)
                Error($"{owner}: port {port} of {sw} is not a front-panel port");
            else if (!ports.Add((sw, port)))
                Error($"{owner}: port {port} of {sw} is linked twice");
        }
        foreach (var link in t.Links)
        {
            if (!hosts.Contains(link.Host))
                Error($"link to {link.Switch}:{link.Port}: no host named '{link.Host}'");
            Port($"link of {link.Host}", link.Switch, link.Port);
        }
        foreach (var host in t.Hosts.Where(h => t.Links.Count(l => l.Host == h.Name) != 1))
            Error($"host '{host.Name}' needs exactly one link (it has {t.Links.Count(l => l.Host == host.Name)})");
        foreach (var c in t.Controllers.Where(c => c.Management is not null))
            Port($"controller {c.Name} management", c.Management!.Switch, c.Management.Port);
        if (t.Controllers.Count(c => c.Management is not null) > 1)
            Error("only one controller can have a management link (it lives in the root namespace)");
        if (t.Switches.Count == 0)
            Error("switches: at least one switch is needed");
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,11}$")]
    private static partial Regex HostName();

    [GeneratedRegex("^[a-z0-9]{1,6}$")]
    private static partial Regex ShortName();
}
