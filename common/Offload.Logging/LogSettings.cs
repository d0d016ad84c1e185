using Microsoft.Extensions.Logging;

namespace Offload.Logging;

public enum LogFormat { Text, Json, Systemd }

/// <param name="Console">log to standard output (in <paramref name="Format"/>)</param>
/// <param name="File">also append text lines to this file</param>
public sealed record LogSettings(LogLevel Level = LogLevel.Information, LogFormat Format = LogFormat.Text, bool Console = true, string? File = null)
{
    /// <summary>Timestamps carry the date and the UTC offset, so lines from several hosts and days sort and compare.</summary>
    public const string TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff zzz ";

    /// <summary>Accepts BMv2's names (trace, debug, info, warn, error, off) and .NET's (information, warning, critical, none).</summary>
    public static LogLevel ParseLevel(string text) => text.Trim().ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" or "information" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "critical" => LogLevel.Critical,
        "off" or "none" => LogLevel.None,
        _ => throw new FormatException($"log level '{text}': expected trace, debug, info, warn, error or off"),
    };

    public static LogFormat ParseFormat(string text) => text.Trim().ToLowerInvariant() switch
    {
        "text" => LogFormat.Text,
        "json" => LogFormat.Json,
        "systemd" => LogFormat.Systemd,
        _ => throw new FormatException($"log format '{text}': expected text, json or systemd"),
    };
}
