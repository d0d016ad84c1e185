using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Offload.Controller.Configuration;

/// <summary>
/// One YAML mapping being read into a record: typed fields with their line numbers, and every problem collected
/// (missing, malformed, unknown keys) rather than stopping at the first.
/// </summary>
internal sealed partial class YamlSection
{
    private readonly YamlMappingNode _node;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public YamlSection(YamlMappingNode node, string file, string path, List<string> errors)
    {
        _node = node;
        File = file;
        Path = path;
        Errors = errors;
    }

    public string File { get; }
    public string Path { get; }
    public List<string> Errors { get; }
    public ConfigLocation Location => new(File, (int)_node.Start.Line);

    public void Error(string key, string message) =>
        Errors.Add($"{File}:{LineOf(key)}: {Path}.{key}: {message}");

    public string? Text(string key, bool required = false)
    {
        _read.Add(key);
        if (!_node.Children.TryGetValue(new YamlScalarNode(key), out var value))
        {
            if (required)
                Errors.Add($"{File}:{_node.Start.Line}: {Path}.{key}: required");
            return null;
        }
        if (value is YamlScalarNode scalar)
            return scalar.Value ?? "";
        Error(key, "expected a single value");
        return null;
    }

    public T? Value<T>(string key, Func<string, T?> parse, string expected, bool required = false) where T : struct =>
        Object(key, t => parse(t) is { } v ? new StrongBox<T>(v) : null, expected, required)?.Value;

    public T? Object<T>(string key, Func<string, T?> parse, string expected, bool required = false) where T : class
    {
        var text = Text(key, required);
        if (text is null)
            return null;
        var value = parse(text.Trim());
        if (value is null)
            Error(key, $"'{text}' is not {expected}");
        return value;
    }

    /// <summary>A MAC address (aa:bb:cc:dd:ee:ff), lower-cased.</summary>
    public string? Mac(string key, bool required = false)
    {
        var mac = Text(key, required);
        if (mac is not null && !MacPattern().IsMatch(mac))
        {
            Error(key, $"'{mac}' is not a MAC address (aa:bb:cc:dd:ee:ff)");
            return null;
        }
        return mac?.ToLowerInvariant();
    }

    [GeneratedRegex(@"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")]
    private static partial Regex MacPattern();

    public ulong? Unsigned(string key, ulong max, bool required = false) =>
        Value(key, t => ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v <= max ? v : (ulong?)null,
            $"a whole number from 0 to {max}", required);

    /// <summary>A duration: "250ms", "2s", "1.5m" or a plain number of seconds, from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public TimeSpan? Duration(string key, TimeSpan min, TimeSpan max) =>
        Value(key, t => ParseDuration(t) is { } d && d >= min && d <= max ? d : (TimeSpan?)null,
            $"a duration from {Show(min)} to {Show(max)} (like 250ms, 2s, 1m)");

    public static TimeSpan? ParseDuration(string text)
    {
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 1e-3)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : (text, 1.0);
        return double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? TimeSpan.FromSeconds(value * unit) : null;
    }

    private static string Show(TimeSpan span) => span.TotalSeconds >= 1 ? $"{span.TotalSeconds:0.###}s" : $"{span.TotalMilliseconds:0}ms";

    public TEnum? Enum<TEnum>(string key, bool required = false) where TEnum : struct, System.Enum =>
        Value(key, t => System.Enum.TryParse<TEnum>(t.Replace("_", ""), ignoreCase: true, out var v) && System.Enum.IsDefined(v) ? v : (TEnum?)null,
            "one of " + string.Join(", ", System.Enum.GetNames<TEnum>().Select(Snake)), required);

    public IReadOnlyList<string> Strings(string key)
    {
        _read.Add(key);
        if (!_node.Children.TryGetValue(new YamlScalarNode(key), out var value))
            return [];
        if (value is YamlSequenceNode sequence && sequence.All(n => n is YamlScalarNode))
            return sequence.Cast<YamlScalarNode>().Select(s => s.Value ?? "").ToList();
        Error(key, "expected a list of names");
        return [];
    }

    /// <summary>Reports keys nobody asked for: a misspelt key is an error, not a silent default.</summary>
    public void RejectUnknownKeys()
    {
        foreach (var key in _node.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value!).Where(k => !_read.Contains(k)))
            Error(key, $"unknown key; known here: {string.Join(", ", _read.Order(StringComparer.Ordinal))}");
    }

    /// <summary>A nested list of mappings, e.g. a switch's interfaces.</summary>
    public IReadOnlyList<YamlSection> Children(string key)
    {
        _read.Add(key);
        return List(_node, key, File, Errors, $"{Path}.");
    }

    /// <summary>
    /// Parses a configuration file's root mapping. A syntax error or a root that is no mapping throws at once; keys
    /// other than <paramref name="sections"/> are reported in <paramref name="errors"/>.
    /// </summary>
    public static YamlMappingNode Root(string yaml, string file, IReadOnlyCollection<string> sections, List<string> errors)
    {
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode mapping)
                throw new ConfigException([$"{file}:1: expected a mapping with {string.Join(", ", sections)}"]);
            root = mapping;
        }
        catch (YamlException ex)
        {
            throw new ConfigException([$"{file}:{ex.Start.Line}: {ex.Message}"]);
        }
        foreach (var key in root.Children.Keys.OfType<YamlScalarNode>().Where(k => !sections.Contains(k.Value)))
            errors.Add($"{file}:{key.Start.Line}: {key.Value}: unknown section; known: {string.Join(", ", sections)}");
        return root;
    }

    /// <summary>A nested mapping, e.g. a controller's management link, or null when absent.</summary>
    public YamlSection? Child(string key)
    {
        _read.Add(key);
        return Mapping(_node, key, File, Errors, $"{Path}.");
    }

    /// <summary>A top-level mapping section (like <c>controller:</c>), or null when absent.</summary>
    public static YamlSection? Mapping(YamlMappingNode root, string key, string file, List<string> errors, string prefix = "")
    {
        if (!root.Children.TryGetValue(new YamlScalarNode(key), out var value))
            return null;
        if (value is YamlMappingNode mapping)
            return new YamlSection(mapping, file, $"{prefix}{key}", errors);
        errors.Add($"{file}:{value.Start.Line}: {prefix}{key}: expected a mapping of keys");
        return null;
    }

    public static IReadOnlyList<YamlSection> List(YamlMappingNode root, string key, string file, List<string> errors, string prefix = "")
    {
        if (!root.Children.TryGetValue(new YamlScalarNode(key), out var value))
            return [];
        if (value is not YamlSequenceNode sequence)
        {
            errors.Add($"{file}:{value.Start.Line}: {prefix}{key}: expected a list");
            return [];
        }
        var sections = new List<YamlSection>();
        var index = 0;
        foreach (var item in sequence)
        {
            if (item is YamlMappingNode mapping)
                sections.Add(new YamlSection(mapping, file, $"{prefix}{key}[{index}]", errors));
            else
                errors.Add($"{file}:{item.Start.Line}: {prefix}{key}[{index}]: expected a mapping of keys");
            index++;
        }
        return sections;
    }

    private long LineOf(string key) =>
        _node.Children.Keys.FirstOrDefault(k => k is YamlScalarNode s && s.Value == key)?.Start.Line ?? _node.Start.Line;

    private static string Snake(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
