using System.CommandLine;
using System.Globalization;
using Offload.P4Runtime.Schema;
using Spectre.Console;

namespace Offload.Cli.Commands;

/// <summary>offloadctl p4info check: load a P4Info and verify its ids as p4c assigns them.</summary>
internal static class P4InfoCommands
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "P4Info (.txtpb text or binary)" };
        var source = new Option<FileInfo?>("--source") { Description = "the P4 program (its quoted #includes are read too); default: NAME.p4 next to NAME.p4info.txtpb" };
        var pinned = new Option<string[]>("--pinned") { Description = "NAME=ID for objects pinned with @id, by fully-qualified name", AllowMultipleArgumentsPerToken = true };
        var check = new Command("check", "load a P4Info, list its objects and check every id against p4c's assignment") { file, source, pinned };
        check.SetAction((parse, _) => CliErrors.Guard(() =>
        {
            var path = parse.GetValue(file)!.FullName;
            var index = P4InfoIndex.Load(path);
            var pins = ParsePins(parse.GetValue(pinned) ?? []);
            var program = parse.GetValue(source)?.FullName ?? P4SourceFacts.FindProgramFor(path);
            var facts = program is null ? null : P4SourceFacts.Read(program);
            var table = CliOutput.Table("kind", "name", "id");
            foreach (var (prefix, preamble) in P4InfoIdChecker.Objects(index.P4Info))
                table.AddRow(prefix.ToString(), Markup.Escape(preamble.Name), $"0x{preamble.Id:x8}");
            AnsiConsole.Write(table);
            AnsiConsole.WriteLine(facts is null
                ? "no P4 source found next to the P4Info (--source FILE): @id pins are taken from the P4Info's annotations only"
                : $"P4 source {program}: {facts.Files.Count} file(s), {facts.PinnedIds.Count} @id pin(s), {facts.ControllerHeaderTypes.Count} controller header(s)");
            var report = P4InfoIdChecker.Check(index.P4Info, facts, pins);
            foreach (var problem in report.Problems)
                AnsiConsole.MarkupLine($"[red]id problem[/]: {Markup.Escape(problem)}");
            foreach (var note in report.Unchecked)
                AnsiConsole.MarkupLine($"[yellow]not checked[/]: {Markup.Escape(note)}");
            AnsiConsole.MarkupLine(report.Problems.Count == 0 ? "[green]all ids are what p4c assigns[/]" : $"[red]{report.Problems.Count} id problem(s)[/]");
            return Task.FromResult(report.Problems.Count == 0 ? 0 : 1);
        }));
        return new Command("p4info", "inspect P4Info files") { check };
    }

    private static Dictionary<string, uint> ParsePins(IEnumerable<string> pins)
    {
        var result = new Dictionary<string, uint>();
        foreach (var pin in pins)
        {
            var eq = pin.LastIndexOf('=');
            var text = eq > 0 ? pin[(eq + 1)..] : "";
            var ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? uint.TryParse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var id)
                : uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id);
            if (!ok)
                throw new FormatException($"--pinned '{pin}': expected NAME=ID");
            result[pin[..eq]] = id;
        }
        return result;
    }
}
