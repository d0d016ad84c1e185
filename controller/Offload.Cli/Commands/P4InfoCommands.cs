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
        var pinned = new Option<string[]>("--pinned") { Description = "NAME=ID for objects pinned with @id in the P4 source", AllowMultipleArgumentsPerToken = true };
        var check = new Command("check", "load a P4Info, list its objects and check every id against p4c's assignment") { file, pinned };
        check.SetAction((parse, _) => CliErrors.Guard(() =>
        {
            var index = P4InfoIndex.Load(parse.GetValue(file)!.FullName);
            var pins = ParsePins(parse.GetValue(pinned) ?? []);
            var table = new Table().Border(TableBorder.Rounded).AddColumn("kind").AddColumn("name").AddColumn("id");
            foreach (var (prefix, preamble) in P4InfoIdChecker.Objects(index.P4Info))
                table.AddRow(prefix.ToString(), Markup.Escape(preamble.Name), $"0x{preamble.Id:x8}");
            AnsiConsole.Write(table);
            var problems = P4InfoIdChecker.Check(index.P4Info, pins);
            foreach (var problem in problems)
                AnsiConsole.MarkupLine($"[red]id problem[/]: {Markup.Escape(problem)}");
            AnsiConsole.MarkupLine(problems.Count == 0 ? "[green]all ids are what p4c assigns[/]" : $"[red]{problems.Count} id problem(s)[/]");
            return Task.FromResult(problems.Count == 0 ? 0 : 1);
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
