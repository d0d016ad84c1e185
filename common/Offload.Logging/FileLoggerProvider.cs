using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Offload.Logging;

/// <summary>Appends one text line per message to a file, in the console's text form, flushed as it goes.</summary>
public sealed class FileLoggerProvider : ILoggerProvider
{
    private readonly StreamWriter _writer;
    private readonly object _gate = new();
    private readonly ConcurrentDictionary<string, FileLogger> _loggers = new();

    public FileLoggerProvider(string path)
    {
        try
        {
            if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
                Directory.CreateDirectory(directory);
            _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new IOException($"log file {path}: {ex.Message}", ex);
        }
    }

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, name => new FileLogger(this, name));

    public void Dispose()
    {
        lock (_gate)
            _writer.Dispose();
    }

    private void Write(string line)
    {
        lock (_gate)
        {
            try
            {
                _writer.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
                return;
            var message = formatter(state, exception).ReplaceLineEndings(" ");
            var error = exception is null ? "" : $" {exception.GetType().Name}: {exception.Message.ReplaceLineEndings(" ")}";
            provider.Write($"{DateTimeOffset.Now.ToString(LogSettings.TimestampFormat)}{Name(logLevel)}: {category}[{eventId.Id}] {message}{error}");
        }

        private static string Name(LogLevel level) => level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };
    }
}
