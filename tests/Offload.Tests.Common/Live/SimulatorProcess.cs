using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Offload.Tests.Common.Live;

/// <summary>The offload-sim executable in its own process, as users start it (the test project must reference the simulator project).</summary>
public sealed partial class SimulatorProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private SimulatorProcess(Process process) => _process = process;

    public int GrpcPort { get; private set; }
    public string Log { get { lock (_log) return _log.ToString(); } }

    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "offload-sim.dll"));
        foreach (var a in args)
            info.ArgumentList.Add(a);
        return info;
    }

    /// <summary>Starts offload-sim on an ephemeral P4Runtime port and waits until it listens.</summary>
    public static async Task<SimulatorProcess> StartAsync(params string[] args)
    {
        var process = Process.Start(StartInfo(["--grpc-addr", "127.0.0.1:0", .. args]))!;
        var sim = new SimulatorProcess(process);
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null)
                return;
            lock (sim._log)
                sim._log.AppendLine(line);
            if (Listening().Match(line) is { Success: true } m)
                listening.TrySetResult(int.Parse(m.Groups[1].Value));
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(30)));
        if (first != listening.Task)
        {
            sim.Dispose();
            throw new InvalidOperationException($"offload-sim did not start: {sim.Log}");
        }
        sim.GrpcPort = listening.Task.Result;
        return sim;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        _process.Dispose();
    }

    [GeneratedRegex(@"listening on [^ ]*:(\d+)")]
    private static partial Regex Listening();
}
