using System.Diagnostics;

namespace Offload.Tests.Common;

/// <summary>A Python gRPC server process; it prints "LISTENING PORT" once it serves.</summary>
public sealed class PythonServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;

    private PythonServer(Process process, int port, Task<string> stderr)
    {
        _process = process;
        Port = port;
        _stderr = stderr;
    }

    public int Port { get; }
    public string Address => $"127.0.0.1:{Port}";

    public static async Task<PythonServer> StartAsync(string script, params string[] args)
    {
        var process = Process.Start(PythonPeer.StartInfo(script, args))!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(cts.Token)
                           ?? throw new InvalidOperationException($"{script} exited before listening: {await stderr}");
                if (line.StartsWith("LISTENING ", StringComparison.Ordinal))
                    return new PythonServer(process, int.Parse(line["LISTENING ".Length..]), stderr);
            }
        }
        catch
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Stops the server; returns what it wrote to stderr.</summary>
    public async Task<string> StopAsync()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        return await _stderr;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }
}
