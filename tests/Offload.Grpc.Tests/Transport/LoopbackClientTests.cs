using Offload.Grpc.Server;
using Offload.Grpc.Tests.Interop;

namespace Offload.Grpc.Tests.Transport;

/// <summary>Our client against our own server: the same scenarios as against grpcio.</summary>
public sealed class LoopbackClientTests : ClientScenarios
{
    private GrpcServer? _server;

    protected override async Task<string> StartServerAsync()
    {
        _server = await GrpcServer.StartAsync(new EchoService().Register(new GrpcServiceRegistry()));
        return $"127.0.0.1:{_server.Port}";
    }

    protected override async Task StopServerAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        _server = null;
    }

    protected override async Task RestartServerAsync(int port) =>
        _server = await GrpcServer.StartAsync(new EchoService().Register(new GrpcServiceRegistry()),
            new GrpcServerOptions { ListenAddress = $"127.0.0.1:{port}" });
}
