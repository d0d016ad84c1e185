using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Offload.AgentProtocol;

namespace Offload.Agent;

/// <summary>
/// One service, judged by its PID file: RUNNING when the file names a live process whose name matches; STARTING
/// while a restart the agent ran is within its start timeout; NOT RUNNING otherwise. With <c>restart</c>, a service
/// not running is started again, waiting between attempts from backoff_min, doubling up to backoff_max; the wait
/// resets once the service has run for backoff_max.
/// </summary>
public sealed partial class ServiceWatcher(ServiceConfig config, TimeProvider time, ILogger logger)
{
    private readonly object _gate = new();
    private string _state = ServiceStates.NotRunning;
    private string _detail = "not checked yet";
    private int? _pid;
    private DateTimeOffset _since = time.GetUtcNow();
    private DateTimeOffset? _startedAt;
    private DateTimeOffset _nextStart = DateTimeOffset.MinValue;
    private TimeSpan _backoff = config.BackoffMin;
    private int _restarts;

    public ServiceConfig Config => config;

    /// <summary>Raised when the state changes.</summary>
    public event Action? Changed;

    public ServiceReport Report()
    {
        lock (_gate)
            return new ServiceReport(config.Name, _state, _pid, _detail, _restarts, Math.Round((time.GetUtcNow() - _since).TotalSeconds, 1));
    }

    /// <summary>Looks at the PID file once, and restarts the service if it is due.</summary>
    public void Check()
    {
        var (alive, pid, detail) = Inspect(config);
        var now = time.GetUtcNow();
        string state;
        bool changed;
        lock (_gate)
        {
            if (alive)
            {
                state = ServiceStates.Running;
                _startedAt = null;
                if (now - _since >= config.BackoffMax && _state == ServiceStates.Running)
                    _backoff = config.BackoffMin;
            }
            else if (_startedAt is { } started && now - started < config.StartTimeout)
            {
                state = ServiceStates.Starting;
                detail = $"started {(now - started).TotalSeconds:0.0} s ago; {detail}";
            }
            else
            {
                state = ServiceStates.NotRunning;
                _startedAt = null;
            }
            changed = state != _state;
            if (changed)
                _since = now;
            _state = state;
            _pid = pid;
            _detail = detail;
        }
        if (changed)
        {
            LogState(logger, config.Name, state, detail);
            Changed?.Invoke();
        }
        if (state == ServiceStates.NotRunning && config.Restart)
            RestartIfDue(now);
    }

    private void RestartIfDue(DateTimeOffset now)
    {
        TimeSpan wait;
        lock (_gate)
        {
            if (now < _nextStart)
                return;
            wait = _backoff;
            _nextStart = now + wait;
            _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, config.BackoffMax.Ticks));
            _restarts++;
            _startedAt = now;
        }
        try
        {
            var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = false, RedirectStandardError = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(config.Start!);
            using var process = Process.Start(start);
            LogRestart(logger, config.Name, config.Start!, wait.TotalSeconds);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException)
        {
            LogRestartFailed(logger, config.Name, ex.Message);
        }
        Check();
    }

    /// <summary>Whether the PID file names a live process with the expected name, and why not.</summary>
    public static (bool Alive, int? Pid, string Detail) Inspect(ServiceConfig config)
    {
        string text;
        try
        {
            text = File.ReadAllText(config.PidFile).Trim();
        }
        catch (FileNotFoundException)
        {
            return (false, null, $"no PID file {config.PidFile}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (false, null, $"{config.PidFile}: {ex.Message}");
        }
        if (!int.TryParse(text, out var pid) || pid <= 0)
            return (false, null, $"{config.PidFile} holds '{(text.Length > 20 ? text[..20] + "…" : text)}', not a PID");
        string comm, status;
        try
        {
            comm = File.ReadAllText($"/proc/{pid}/comm").Trim();
            status = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (false, pid, $"process {pid} is gone");
        }
        // A zombie is dead for our purposes: field 3 of /proc/PID/stat, after the name in parentheses.
        var afterName = status.LastIndexOf(')');
        if (afterName > 0 && status.Length > afterName + 2 && status[afterName + 2] == 'Z')
            return (false, pid, $"process {pid} has exited (zombie)");
        if (config.Process is { } expected && comm != expected && !Matches(pid, expected))
            return (false, pid, $"process {pid} is '{comm}', not '{expected}'");
        return (true, pid, $"process {pid} ({comm})");
    }

    // /proc/PID/comm holds at most 15 characters; argv[0] has the whole name.
    private static bool Matches(int pid, string expected)
    {
        try
        {
            var argv0 = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0')[0];
            return Path.GetFileName(argv0) == expected;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "service {Service}: {State} ({Detail})")]
    private static partial void LogState(ILogger logger, string service, string state, string detail);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "service {Service}: starting it: {Command} (next attempt no sooner than {Backoff} s)")]
    private static partial void LogRestart(ILogger logger, string service, string command, double backoff);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "service {Service}: the start command did not run: {Error}")]
    private static partial void LogRestartFailed(ILogger logger, string service, string error);
}
