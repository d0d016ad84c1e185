using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Offload.Logging;

/// <summary>Builds a process's logger factory from its <see cref="LogSettings"/>.</summary>
public static class OffloadLogging
{
    /// <exception cref="IOException">the log file cannot be opened</exception>
    public static ILoggerFactory Create(LogSettings settings)
    {
        var file = settings.File is { } path ? new FileLoggerProvider(path) : null;
        return LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(settings.Level).AddFilter("Microsoft", LogLevel.Warning);
            if (file is not null)
                b.AddProvider(file);
            if (!settings.Console)
                return;
            switch (settings.Format)
            {
                case LogFormat.Json:
                    b.AddJsonConsole(o => { o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffzzz"; o.IncludeScopes = false; });
                    break;
                case LogFormat.Systemd:
                    b.AddSystemdConsole(o => o.IncludeScopes = false);
                    break;
                default:
                    b.AddSimpleConsole(o =>
                    {
                        o.SingleLine = true;
                        o.TimestampFormat = LogSettings.TimestampFormat;
                        o.ColorBehavior = UseColour() ? LoggerColorBehavior.Enabled : LoggerColorBehavior.Disabled;
                    });
                    break;
            }
        });
    }

    /// <summary>Colour only on a terminal, and never with NO_COLOR set (no-color.org).</summary>
    public static bool UseColour() =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")) && !Console.IsOutputRedirected;
}
