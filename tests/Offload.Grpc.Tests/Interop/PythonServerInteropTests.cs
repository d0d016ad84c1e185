using Offload.Tests.Common;

namespace Offload.Grpc.Tests.Interop;

/// <summary>Our client against the grpcio server (tests/interop/echo_server.py).</summary>
public sealed class PythonServerInteropTests : ClientScenarios
{
    private PythonServer? _server;

    protected override async Task<string> StartServerAsync()
    {
        _server = await PythonServer.StartAsync("echo_server.py");
        return _server.Address;
    }

    protected override async Task StopServerAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        _server = null;
    }

    protected override async Task RestartServerAsync(int port) =>
        _server = await PythonServer.StartAsync("echo_server.py", "--port", port.ToString());
}
