using System.Diagnostics;

namespace Offload.Topology.Network;

/// <summary>Runs system tools (ip, ethtool, sysctl) to completion and reports what they printed.</summary>
public static class SystemCommand
{
    public static bool IsRoot => Environment.UserName == "root" || geteuid() == 0;

    public static (int ExitCode, string Output) Run(string file, params string[] args) => Run(null, file, args);

    /// <param name="environment">variables set for the command, on top of this process's</param>
    public static (int ExitCode, string Output) Run(IReadOnlyDictionary<string, string>? environment, string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            info.Environment[name] = value;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 60 s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    public static string Check(string file, params string[] args)
    {
        var (code, output) = Run(file, args);
        return code == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({code}): {output.Trim()}");
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();
}
