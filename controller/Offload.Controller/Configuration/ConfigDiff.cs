using System.Collections;
using System.Globalization;
using System.Net;
using System.Reflection;

namespace Offload.Controller.Configuration;

/// <summary>
/// What changes between two configurations, one line per element: "+ vip web6 …" added, "- backend web3" removed,
/// "~ backend web2: weight 1 → 3" changed. Elements are matched by name; where a value was read from is not a change.
/// </summary>
public static class ConfigDiff
{
    public static IReadOnlyList<string> Compare(OffloadConfig running, OffloadConfig proposed)
    {
        var lines = new List<string>();
        Section(lines, "switch", running.Switches, proposed.Switches);
        Section(lines, "backend", running.Backends, proposed.Backends);
        Section(lines, "vip", running.Vips, proposed.Vips);
        Section(lines, "acl", running.Acl, proposed.Acl);
        Section(lines, "application", running.Applications, proposed.Applications);
        Section(lines, "health_check", running.HealthChecks, proposed.HealthChecks);
        var changed = Changes(running.Controller, proposed.Controller);
        if (changed.Count > 0)
            lines.Add($"~ controller: {string.Join("; ", changed)}");
        return lines;
    }

    private static void Section<T>(List<string> lines, string kind, IReadOnlyList<T> before, IReadOnlyList<T> after) where T : notnull
    {
        var old = before.ToDictionary(NameOf, StringComparer.Ordinal);
        var @new = after.ToDictionary(NameOf, StringComparer.Ordinal);
        foreach (var (name, element) in @new.Where(e => !old.ContainsKey(e.Key)))
            lines.Add($"+ {kind} {name}: {string.Join("; ", Properties(element).Where(p => p.Value.Length > 0).Select(p => $"{p.Name} {p.Value}"))}");
        foreach (var name in old.Keys.Where(n => !@new.ContainsKey(n)))
            lines.Add($"- {kind} {name}");
        foreach (var (name, element) in @new.Where(e => old.ContainsKey(e.Key)))
        {
            var changed = Changes(old[name], element);
            if (changed.Count > 0)
                lines.Add($"~ {kind} {name}: {string.Join("; ", changed)}");
        }
    }

    private static List<string> Changes<T>(T before, T after) where T : notnull =>
        Properties(before).Zip(Properties(after))
            .Where(p => p.First.Value != p.Second.Value)
            .Select(p => $"{p.First.Name} {Shown(p.First.Value)} → {Shown(p.Second.Value)}")
            .ToList();

    private static string Shown(string value) => value.Length == 0 ? "(none)" : value;

    private static string NameOf<T>(T element) where T : notnull =>
        (string)typeof(T).GetProperty("Name")!.GetValue(element)!;

    private static IEnumerable<(string Name, string Value)> Properties(object element) =>
        element.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.Name is not ("Name" or "Location") && p.GetIndexParameters().Length == 0 && p.PropertyType != typeof(ConfigLocation))
            .Select(p => (Snake(p.Name), Format(p.GetValue(element))));

    private static string Format(object? value) => value switch
    {
        null => "",
        string s => s,
        IPAddress or IPNetwork => value.ToString()!,
        TimeSpan t => $"{t.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s",
        Enum e => Snake(e.ToString()),
        IDictionary map => string.Join("; ", map.Cast<DictionaryEntry>().Select(e => $"{Format(e.Key)}: {Format(e.Value)}")),
        IEnumerable items => string.Join(", ", items.Cast<object?>().Select(Format)),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Snake(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
