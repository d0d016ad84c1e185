using System.Diagnostics;
using System.Globalization;

namespace Offload.Controller.Health.Probes;

/// <summary>
/// Runs a command: exit 0 = up, 1 = down, 2-255 = up with weight = code − 2 (keepalived's misc_dynamic). The
/// target is in OFFLOAD_BACKEND_ADDRESS and OFFLOAD_BACKEND_PORT; a command still running at the timeout is killed.
/// </summary>
public sealed class ScriptProbe(string command, IReadOnlyList<string> arguments) : IHealthProbe
{
    public async Task<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["OFFLOAD_BACKEND_ADDRESS"] = target.Address.ToString();
        start.Environment["OFFLOAD_BACKEND_PORT"] = target.Port.ToString(CultureInfo.InvariantCulture);
        using var process = Process.Start(start) ?? throw new IOException($"{command} did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var said = (await output + await errors).Trim();
        var detail = $"{Path.GetFileName(command)} exited {process.ExitCode}" + (said.Length > 0 ? $": {said.Split('\n')[0]}" : "");
        return process.ExitCode switch
        {
            0 => ProbeResult.Success(detail),
            1 => ProbeResult.Failure(detail),
            var code and >= 2 and <= 255 => ProbeResult.Success(detail, code - 2),
            _ => ProbeResult.Failure(detail),
        };
    }
}
