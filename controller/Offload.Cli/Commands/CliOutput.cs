using Spectre.Console;

namespace Offload.Cli.Commands;

/// <summary>
/// How offloadctl prints: boxed tables with colour on a terminal; plain space-aligned columns without ANSI codes when
/// the output is a pipe or a file; no colour with NO_COLOR set (no-color.org).
/// </summary>
internal static class CliOutput
{
    public static bool Plain { get; private set; }

    public static void Configure()
    {
        Plain = Console.IsOutputRedirected;
        if (Plain)
            AnsiConsole.Profile.Width = 240;
        if (!Offload.Logging.OffloadLogging.UseColour())
        {
            AnsiConsole.Profile.Capabilities.Ansi = false;
            AnsiConsole.Profile.Capabilities.ColorSystem = ColorSystem.NoColors;
        }
    }

    public static Table Table(params string[] columns)
    {
        var table = Plain ? new Table().NoBorder() : new Table().RoundedBorder();
        foreach (var column in columns)
            table.AddColumn(Plain ? new TableColumn(column) { Padding = new Padding(0, 0, 2, 0) } : new TableColumn(column));
        return table;
    }
}
