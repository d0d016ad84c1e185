using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Offload.Tests.Common.Live;

/// <summary>The offload-sim executable in its own process, as users start it (the test project must reference the simulator project).</summary>
public sealed partial class SimulatorProcess : IDisposable
{
    private readonly ProgramProcess _process;

    private SimulatorProcess(ProgramProcess process, int port)
    {
        _process = process;
        GrpcPort = port;
    }

    public int GrpcPort { get; }
    public string Log => _process.Log;

    public static ProcessStartInfo StartInfo(params string[] args) => ProgramProcess.StartInfo("offload-sim.dll", args);

    /// <summary>Starts offload-sim on an ephemeral P4Runtime port and waits until it listens.</summary>
    public static Task<SimulatorProcess> StartAsync(params string[] args) => StartExactlyAsync(["--grpc-addr", "127.0.0.1:0", .. args]);

    /// <summary>Starts offload-sim with exactly these arguments (they must choose the listen address) and waits until it listens.</summary>
    public static async Task<SimulatorProcess> StartExactlyAsync(params string[] args)
    {
        var (process, ready) = await ProgramProcess.StartAsync("offload-sim.dll", Listening(), args);
        return new SimulatorProcess(process, int.Parse(ready.Groups[1].Value));
    }

    public void Dispose() => _process.Dispose();

    [GeneratedRegex(@"listening on [^ ]*:(\d+)")]
    private static partial Regex Listening();
}
