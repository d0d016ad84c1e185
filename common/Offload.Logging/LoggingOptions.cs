using System.CommandLine;

namespace Offload.Logging;

/// <summary>--log-level, --log-format and --log-file, as every Offload program takes them.</summary>
public sealed class LoggingOptions
{
    public Option<string> Level { get; }
    public Option<string> Format { get; } = new("--log-format")
    {
        Description = "text (one line, date and UTC offset), json (one object per line) or systemd (<N> priority prefixes for journald)",
        DefaultValueFactory = _ => "text",
    };
    public Option<string?> File { get; } = new("--log-file") { Description = "also append log lines to this file" };

    /// <param name="shortLevelAlias">add BMv2's -L for --log-level</param>
    public LoggingOptions(bool shortLevelAlias = false)
    {
        Level = shortLevelAlias ? new Option<string>("--log-level", "-L") : new Option<string>("--log-level");
        Level.Description = "trace, debug, info, warn, error or off";
        Level.DefaultValueFactory = _ => "info";
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Level);
        command.Options.Add(Format);
        command.Options.Add(File);
    }

    /// <exception cref="FormatException">an unknown level or format</exception>
    public LogSettings Read(ParseResult parse, bool console = true) => new(
        LogSettings.ParseLevel(parse.GetValue(Level)!),
        LogSettings.ParseFormat(parse.GetValue(Format)!),
        console,
        parse.GetValue(File));
}
