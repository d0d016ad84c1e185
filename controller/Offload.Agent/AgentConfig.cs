using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Offload.Agent;

/// <summary>A service the agent watches: its PID file, the process name that must own the PID, and how to restart it.</summary>
public sealed record ServiceConfig(string Name, string PidFile, string? Process, string? Start, bool Restart, TimeSpan StartTimeout,
    TimeSpan BackoffMin, TimeSpan BackoffMax, IReadOnlyList<ushort> Ports);

/// <summary>The agent's configuration (docs/health.md, "Node agent").</summary>
public sealed record AgentConfig(string Listen, string? Socket, string? Name, IReadOnlyList<string> PushTo, TimeSpan PushInterval,
    TimeSpan CheckInterval, IReadOnlyList<ServiceConfig> Services)
{
    /// <summary>What controllers call this agent: its name, or its TCP endpoint.</summary>
    public string Id => Name ?? Listen;

    public static AgentConfig LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"{path}: {ex.Message}");
        }
        return Load(text, path);
    }

    /// <summary>Reads the YAML; every problem is reported at once, each with its line.</summary>
    public static AgentConfig Load(string yaml, string file)
    {
        var errors = new List<string>();
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            root = stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode m ? m : throw new FormatException($"{file}:1: expected a mapping with listen, socket, services");
        }
        catch (YamlException ex)
        {
            throw new FormatException($"{file}:{ex.Start.Line}: {ex.Message}");
        }
        var reader = new Fields(root, file, "", errors);
        var services = new List<ServiceConfig>();
        foreach (var (node, index) in reader.List("services").Select((n, i) => (n, i)))
        {
            var s = new Fields(node, file, $"services[{index}].", errors);
            var service = new ServiceConfig(
                s.Text("name", required: true) ?? "",
                s.Text("pid_file", required: true) ?? "",
                s.Text("process"),
                s.Text("start"),
                s.Bool("restart") ?? false,
                s.Duration("start_timeout") ?? TimeSpan.FromSeconds(10),
                s.Duration("backoff_min") ?? TimeSpan.FromSeconds(1),
                s.Duration("backoff_max") ?? TimeSpan.FromSeconds(60),
                s.Ports("ports"));
            if (service.Restart && service.Start is null)
                s.Error("restart", "restarting needs a start command");
            if (service.BackoffMin > service.BackoffMax)
                s.Error("backoff_min", "is longer than backoff_max");
            s.RejectUnknown();
            services.Add(service);
        }
        foreach (var duplicate in services.GroupBy(s => s.Name).Where(g => g.Key.Length > 0 && g.Count() > 1))
            errors.Add($"{file}: service '{duplicate.Key}' is defined twice");
        var config = new AgentConfig(
            reader.Text("listen") ?? "127.0.0.1:9590",
            reader.Text("socket"),
            reader.Text("name"),
            reader.Strings("push_to"),
            reader.Duration("push_interval") ?? TimeSpan.FromSeconds(1),
            reader.Duration("check_interval") ?? TimeSpan.FromMilliseconds(500),
            services);
        if (!System.Net.IPEndPoint.TryParse(config.Listen, out var listen) || listen.Port == 0)
            reader.Error("listen", $"'{config.Listen}' is not ADDRESS:PORT");
        foreach (var url in config.PushTo.Where(u => !Uri.TryCreate(u, UriKind.Absolute, out var uri) || uri.Scheme != "http"))
            reader.Error("push_to", $"'{url}' is not an http:// URL of a controller's admin endpoint");
        reader.RejectUnknown();
        if (errors.Count > 0)
            throw new FormatException(string.Join("\n", errors));
        return config;
    }

    private sealed class Fields(YamlMappingNode node, string file, string path, List<string> errors)
    {
        private readonly HashSet<string> _read = [];

        public void Error(string key, string message) => errors.Add($"{file}:{Line(key)}: {path}{key}: {message}");

        public string? Text(string key, bool required = false)
        {
            _read.Add(key);
            if (!node.Children.TryGetValue(new YamlScalarNode(key), out var value))
            {
                if (required)
                    errors.Add($"{file}:{node.Start.Line}: {path}{key}: required");
                return null;
            }
            if (value is YamlScalarNode scalar)
                return scalar.Value ?? "";
            Error(key, "expected a single value");
            return null;
        }

        public bool? Bool(string key) => Text(key) is { } t ? bool.TryParse(t, out var b) ? b : Fail<bool?>(key, $"'{t}' is not true or false") : null;

        public TimeSpan? Duration(string key)
        {
            if (Text(key) is not { } t)
                return null;
            var (number, scale) = t.EndsWith("ms", StringComparison.Ordinal) ? (t[..^2], 1e-3) : t.EndsWith('s') ? (t[..^1], 1.0) : (t, 1.0);
            return double.TryParse(number, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var v) && v > 0 && v * scale <= 86_400
                ? TimeSpan.FromSeconds(v * scale) : Fail<TimeSpan?>(key, $"'{t}' is not a duration like 500ms or 2s");
        }

        public IReadOnlyList<YamlMappingNode> List(string key)
        {
            _read.Add(key);
            if (!node.Children.TryGetValue(new YamlScalarNode(key), out var value))
                return [];
            if (value is YamlSequenceNode sequence && sequence.All(n => n is YamlMappingNode))
                return sequence.Cast<YamlMappingNode>().ToList();
            Error(key, "expected a list of mappings");
            return [];
        }

        public IReadOnlyList<string> Strings(string key)
        {
            _read.Add(key);
            if (!node.Children.TryGetValue(new YamlScalarNode(key), out var value))
                return [];
            if (value is YamlSequenceNode sequence && sequence.All(n => n is YamlScalarNode))
                return sequence.Cast<YamlScalarNode>().Select(s => s.Value ?? "").ToList();
            Error(key, "expected a list");
            return [];
        }

        public IReadOnlyList<ushort> Ports(string key)
        {
            var ports = new List<ushort>();
            foreach (var text in Strings(key))
            {
                if (ushort.TryParse(text, out var port) && port > 0)
                    ports.Add(port);
                else
                    Error(key, $"'{text}' is not a port (1-65535)");
            }
            return ports;
        }

        public void RejectUnknown()
        {
            foreach (var key in node.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value!).Where(k => !_read.Contains(k)))
                Error(key, $"unknown key; known here: {string.Join(", ", _read.Order(StringComparer.Ordinal))}");
        }

        private T Fail<T>(string key, string message)
        {
            Error(key, message);
            return default!;
        }

        private long Line(string key) => node.Children.Keys.FirstOrDefault(k => k is YamlScalarNode s && s.Value == key)?.Start.Line ?? node.Start.Line;
    }
}
