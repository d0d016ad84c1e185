using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Offload.Tests.Common.Live;

/// <summary>One of our programs (a dll next to the test assembly) in its own process, with its output kept for failure messages.</summary>
public sealed class ProgramProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ProgramProcess(Process process) => _process = process;

    public string Log { get { lock (_log) return _log.ToString(); } }
    public bool HasExited => _process.HasExited;
    public int Id => _process.Id;

    public static ProcessStartInfo StartInfo(string dll, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        foreach (var a in args)
            info.ArgumentList.Add(a);
        return info;
    }

    /// <summary>Starts the program and waits for a line matching <paramref name="ready"/>; returns it with the match.</summary>
    public static async Task<(ProgramProcess Process, Match Ready)> StartAsync(string dll, Regex ready, params string[] args)
    {
        var process = Process.Start(StartInfo(dll, args))!;
        var program = new ProgramProcess(process);
        var started = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null)
                return;
            lock (program._log)
                program._log.AppendLine(line);
            if (ready.Match(line) is { Success: true } m)
                started.TrySetResult(m);
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var first = await Task.WhenAny(started.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(30)));
        if (first != started.Task)
        {
            program.Dispose();
            throw new InvalidOperationException($"{dll} did not start: {program.Log}");
        }
        return (program, started.Task.Result);
    }

    /// <summary>Runs a program to completion: exit code and everything it printed.</summary>
    public static (int ExitCode, string Output) Run(string dll, params string[] args) =>
        Shell.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, dll), .. args]);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        _process.Dispose();
    }
}
