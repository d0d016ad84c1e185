using Offload.Grpc.Server;
using Offload.Tests.Common;
using Xunit;

namespace Offload.Grpc.Tests.Interop;

/// <summary>The grpcio client (tests/interop/echo_client.py) against our Kestrel server.</summary>
public sealed class PythonClientInteropTests : IAsyncLifetime
{
    private GrpcServer? _server;

    public async Task InitializeAsync() =>
        _server = await GrpcServer.StartAsync(new EchoService().Register(new GrpcServiceRegistry()));

    public async Task DisposeAsync() => await _server!.DisposeAsync();

    [Theory]
    [InlineData("unary")]
    [InlineData("server_streaming")]
    [InlineData("client_streaming")]
    [InlineData("bidi")]
    [InlineData("error_details")]
    [InlineData("deadline")]
    [InlineData("cancellation")]
    [InlineData("large_message")]
    [InlineData("unknown_method")]
    public async Task PythonClient_Scenario_Passes(string scenario)
    {
        var (exitCode, output) = await PythonPeer.RunAsync("echo_client.py", TimeSpan.FromSeconds(60),
            "--target", $"127.0.0.1:{_server!.Port}", "--scenario", scenario);
        Assert.True(exitCode == 0, $"python client scenario {scenario} failed:\n{output}");
        Assert.Contains($"PASS {scenario}", output);
    }
}
