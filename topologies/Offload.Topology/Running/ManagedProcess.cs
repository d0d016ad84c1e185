using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Offload.Topology.Running;

/// <summary>
/// A process a run started (a switch, a service, a controller): its output goes to a log file and the last lines
/// are kept for error messages; it is recorded in the run state while it lives.
/// </summary>
public sealed class ManagedProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Queue<string> _tail = new();
    private readonly List<(Regex Pattern, TaskCompletionSource<Match> Seen)> _waiters = [];

    private ManagedProcess(string name, Process process, string logPath)
    {
        Name = name;
        _process = process;
        LogPath = logPath;
        _log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
    }

    private bool _disposed;

    public string Name { get; }
    public string LogPath { get; }
    public int Pid => _process.Id;
    public bool HasExited => _disposed || _process.HasExited;
    public Task Exited => _process.WaitForExitAsync();

    /// <summary>Sends a line to its standard input.</summary>
    public Task SendLineAsync(string line) => _process.StandardInput.WriteLineAsync(line);

    /// <summary>Closes its standard input (the traffic clients take that as "stop and report").</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>The last line it printed that starts with <paramref name="start"/>, if any is still in the tail.</summary>
    public string? LastLine(string start)
    {
        lock (_tail)
            return _tail.LastOrDefault(l => l.StartsWith(start, StringComparison.Ordinal));
    }

    public string Tail
    {
        get { lock (_tail) return string.Join("\n", _tail); }
    }

    /// <summary>Starts <paramref name="file"/>, in network namespace <paramref name="ns"/> when given.</summary>
    public static ManagedProcess Start(string name, string? ns, string file, IEnumerable<string> args, string logPath)
    {
        var info = new ProcessStartInfo(ns is null ? file : "ip")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        if (ns is not null)
        {
            foreach (var a in new[] { "netns", "exec", ns, file })
                info.ArgumentList.Add(a);
        }
        foreach (var a in args)
            info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var managed = new ManagedProcess(name, process, logPath);
        managed._log.WriteLine($"--- {DateTimeOffset.Now:O} {name}: {info.FileName} {string.Join(' ', info.ArgumentList)}");
        process.OutputDataReceived += (_, e) => managed.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => managed.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return managed;
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (_tail)
        {
            _log.WriteLine(line);
            _tail.Enqueue(line);
            if (_tail.Count > 40)
                _tail.Dequeue();
            foreach (var (pattern, seen) in _waiters)
            {
                if (pattern.Match(line) is { Success: true } m)
                    seen.TrySetResult(m);
            }
        }
    }

    /// <summary>Waits for a line matching <paramref name="pattern"/>; fails when the process exits first or the time runs out.</summary>
    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_tail)
        {
            foreach (var line in _tail)
            {
                if (pattern.Match(line) is { Success: true } m)
                    return m;
            }
            _waiters.Add((pattern, seen));
        }
        var first = await Task.WhenAny(seen.Task, Exited, Task.Delay(timeout));
        if (first == seen.Task)
            return seen.Task.Result;
        var why = _process.HasExited ? $"exited with {_process.ExitCode}" : $"printed nothing matching /{pattern}/ in {timeout.TotalSeconds:0} s";
        throw new InvalidOperationException($"{Name} {why}; its last lines:\n{Tail}");
    }

    public ulong StartTicks => ReadStartTicks(Pid) ?? 0;

    /// <summary>The process's start time in clock ticks since boot (/proc/PID/stat field 22), or null when it is gone.</summary>
    public static ulong? ReadStartTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return ulong.Parse(fields[19], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Stops it: SIGTERM, then SIGKILL after <paramref name="grace"/>; <c>TimeSpan.Zero</c> kills at once (a crash).</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (HasExited)
            return;
        if (grace > TimeSpan.Zero)
        {
            SystemSignal.Terminate(_process.Id);
            if (await Task.WhenAny(Exited, Task.Delay(grace)) == Exited)
                return;
        }
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
        await Task.WhenAny(Exited, Task.Delay(TimeSpan.FromSeconds(5)));
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
        _process.Dispose();
        lock (_tail)
            _log.Dispose();
    }
}

/// <summary>POSIX signals by pid.</summary>
public static class SystemSignal
{
    public static void Terminate(int pid) => _ = kill(pid, 15);

    public static void Kill(int pid) => _ = kill(pid, 9);

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
