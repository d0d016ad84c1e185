using System.Globalization;
using System.Text.RegularExpressions;

namespace Offload.P4Runtime.Schema;

/// <summary>
/// What p4c's id assignment takes from a P4 program that its P4Info does not carry: the @id pins of
/// declarations (p4c leaves @id out of the P4Info's annotations) and the header type behind each
/// @controller_header (p4c hashes the type's name, but names the P4Info object by the annotation).
/// </summary>
public sealed partial record P4SourceFacts(
    IReadOnlyDictionary<string, uint> PinnedIds,
    IReadOnlyDictionary<string, string> ControllerHeaderTypes,
    IReadOnlyList<string> Files)
{
    public static readonly P4SourceFacts None = new(new Dictionary<string, uint>(), new Dictionary<string, string>(), []);

    /// <summary>Reads a P4 file and every file it includes with #include "…" (system includes such as &lt;core.p4&gt; are skipped).</summary>
    /// <exception cref="P4InfoException">a file is missing or an annotation cannot be read</exception>
    public static P4SourceFacts Read(string path)
    {
        var pins = new Dictionary<string, uint>(StringComparer.Ordinal);
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = new List<string>();
        Visit(Path.GetFullPath(path), pins, headers, files);
        return new P4SourceFacts(pins, headers, files);
    }

    /// <summary>The P4 program next to a P4Info file: offload.p4info.txtpb → offload.p4, if it exists.</summary>
    public static string? FindProgramFor(string p4InfoPath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(p4InfoPath))!;
        var name = Path.GetFileName(p4InfoPath);
        var stem = name.IndexOf(".p4info", StringComparison.OrdinalIgnoreCase) is var i and > 0 ? name[..i] : Path.GetFileNameWithoutExtension(name);
        var candidate = Path.Combine(directory, stem + ".p4");
        return File.Exists(candidate) ? candidate : null;
    }

    private static void Visit(string file, Dictionary<string, uint> pins, Dictionary<string, string> headers, List<string> files)
    {
        if (files.Contains(file))
            return;
        if (!File.Exists(file))
            throw new P4InfoException($"P4 source {file} does not exist");
        files.Add(file);
        var text = StripComments(File.ReadAllText(file));

        foreach (Match m in IdAnnotation().Matches(text))
        {
            var name = DeclaredName(m.Groups["decl"].Value)
                ?? throw new P4InfoException($"{file}: @id({m.Groups["id"].Value}) is not followed by a declaration this reader knows");
            var value = ParseId(m.Groups["id"].Value)
                ?? throw new P4InfoException($"{file}: @id({m.Groups["id"].Value}) on {name} is not a number");
            if (pins.TryGetValue(name, out var existing) && existing != value)
                throw new P4InfoException($"{file}: {name} is pinned twice, to 0x{existing:x8} and 0x{value:x8}");
            pins[name] = value;
        }
        foreach (Match m in ControllerHeader().Matches(text))
            headers[m.Groups["name"].Value] = m.Groups["type"].Value;

        var directory = Path.GetDirectoryName(file)!;
        foreach (Match m in QuotedInclude().Matches(text))
            Visit(Path.GetFullPath(Path.Combine(directory, m.Groups["path"].Value)), pins, headers, files);
    }

    private static string? DeclaredName(string declaration)
    {
        var keyword = KeywordDeclaration().Match(declaration);
        if (keyword.Success)
            return keyword.Groups["name"].Value;
        var instance = InstanceDeclaration().Match(declaration);
        return instance.Success ? instance.Groups["name"].Value : null;
    }

    private static uint? ParseId(string text) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.TryParse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex) ? hex : null
            : uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var dec) ? dec : null;

    private static string StripComments(string text) => Comment().Replace(text, m => new string('\n', m.Value.Count(c => c == '\n')));

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"@id\(\s*(?<id>[0-9a-fA-Fx]+)\s*\)(?<decl>[^;{]*)")]
    private static partial Regex IdAnnotation();

    [GeneratedRegex(@"\b(action|table)\s+(?<name>\w+)")]
    private static partial Regex KeywordDeclaration();

    // An extern instance: counter(...) name, action_selector(...) name, direct_counter(...) name.
    [GeneratedRegex(@"\)\s*(?<name>\w+)\s*$")]
    private static partial Regex InstanceDeclaration();

    [GeneratedRegex(@"@controller_header\(\s*""(?<name>[^""]+)""\s*\)\s*header\s+(?<type>\w+)")]
    private static partial Regex ControllerHeader();

    [GeneratedRegex(@"^\s*#\s*include\s+""(?<path>[^""]+)""", RegexOptions.Multiline)]
    private static partial Regex QuotedInclude();
}
