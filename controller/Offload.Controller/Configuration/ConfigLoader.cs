using System.Net;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Offload.Controller.Configuration;

/// <summary>Reads a controller configuration from YAML; every error names the file, the line and the field.</summary>
public static partial class ConfigLoader
{
    private static readonly string[] Sections = ["switches", "backends", "vips", "acl", "applications"];

    public static OffloadConfig LoadFile(string path, Func<string, bool> isKnownAlgorithm)
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
        return Load(text, path, isKnownAlgorithm);
    }

    public static OffloadConfig Load(string yaml, string file, Func<string, bool> isKnownAlgorithm)
    {
        var errors = new List<string>();
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode mapping)
                throw new ConfigException([$"{file}:1: expected a mapping with {string.Join(", ", Sections)}"]);
            root = mapping;
        }
        catch (YamlException ex)
        {
            throw new ConfigException([$"{file}:{ex.Start.Line}: {ex.Message}"]);
        }
        foreach (var key in root.Children.Keys.OfType<YamlScalarNode>().Where(k => !Sections.Contains(k.Value)))
            errors.Add($"{file}:{key.Start.Line}: {key.Value}: unknown section; known: {string.Join(", ", Sections)}");

        OffloadConfig config = new(
            YamlSection.List(root, "switches", file, errors).Select(ReadSwitch).ToList(),
            YamlSection.List(root, "backends", file, errors).Select(ReadBackend).ToList(),
            YamlSection.List(root, "vips", file, errors).Select(s => ReadVip(s, isKnownAlgorithm)).ToList(),
            YamlSection.List(root, "acl", file, errors).Select(ReadAclRule).ToList(),
            YamlSection.List(root, "applications", file, errors).Select(ReadApplication).ToList());
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
            MacField(s, "router_mac") ?? DefaultRouterMac,
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
            MacField(s, "mac", required: true) ?? "");
        s.RejectUnknownKeys();
        return route;
    }

    private static string? MacField(YamlSection s, string key, bool required = false)
    {
        var mac = s.Text(key, required);
        if (mac is not null && !Mac().IsMatch(mac))
        {
            s.Error(key, $"'{mac}' is not a MAC address (aa:bb:cc:dd:ee:ff)");
            return null;
        }
        return mac?.ToLowerInvariant();
    }

    private static BackendConfig ReadBackend(YamlSection s)
    {
        var config = new BackendConfig(
            s.Text("name", required: true) ?? "",
            (int)(s.Unsigned("id", 4095) ?? 0),
            s.Object("address", t => IPAddress.TryParse(t, out var a) ? a : null, "an IPv4 or IPv6 address", required: true) ?? IPAddress.None,
            (ushort)(s.Unsigned("port", 65535, required: true) ?? 0),
            MacField(s, "mac", required: true) ?? "",
            (uint)(s.Unsigned("switch_port", 510, required: true) ?? 0),
            (int)(s.Unsigned("weight", 1_000_000) ?? 1),
            s.Text("health_check"),
            s.Value("direct_access", t => bool.TryParse(t, out var b) ? b : (bool?)null, "true or false") ?? false,
            s.Location);
        if (s.Text("port") is "0")
            s.Error("port", "port 0 is not a service port");
        s.RejectUnknownKeys();
        return config;
    }

    private static VipConfig ReadVip(YamlSection s, Func<string, bool> isKnownAlgorithm)
    {
        var mode = s.Enum<VipMode>("mode") ?? VipMode.DataplaneSelect;
        var config = new VipConfig(
            s.Text("name", required: true) ?? "",
            (int)(s.Unsigned("id", 1023) ?? 0),
            s.Object("address", t => IPAddress.TryParse(t, out var a) ? a : null, "an IPv4 or IPv6 address", required: true) ?? IPAddress.None,
            s.Value<byte>("protocol", ParseProtocol, "tcp, udp or a protocol number") ?? 6,
            (ushort)(s.Unsigned("port", 65535, required: true) ?? 0),
            MacField(s, "vmac") ?? "",
            mode,
            s.Text("algorithm") ?? "maglev",
            s.Enum<Affinity>("affinity") ?? Affinity.None,
            s.Value("punt_non_syn", t => bool.TryParse(t, out var b) ? b : (bool?)null, "true or false") ?? false,
            s.Strings("pool"),
            s.Strings("deliver_to"),
            DenySources(s),
            s.Location);
        if (!isKnownAlgorithm(config.Algorithm))
            s.Error("algorithm", $"unknown algorithm '{config.Algorithm}'");
        if (config.Pool.Count == 0 && mode != VipMode.DeliverOnly)
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
            MacField(s, "mac", required: true) ?? "",
            s.Object("address", t => IPAddress.TryParse(t, out var a) ? a : null, "an IPv4 or IPv6 address"),
            s.Location);
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

    [GeneratedRegex(@"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")]
    private static partial Regex Mac();
}
