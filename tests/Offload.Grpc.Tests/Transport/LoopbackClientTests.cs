using Offload.Tests.Common;
using Xunit;
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

public sealed class UnreachableServerTests
{
    [Fact]
    public async Task Duplex_NoServer_WriteFailsUnavailableInsteadOfHanging()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var channel = Offload.Grpc.Client.GrpcChannel.ForAddress($"127.0.0.1:{port}");
        using var call = channel.DuplexStreaming(EchoMethods.Bidi);
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            call.RequestStream.WriteAsync(new Offload.Testing.EchoRequest()).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("localhost")]
    [InlineData("ftp://host:1")]
    [InlineData("http://host:1/path")]
    public void ForAddress_Invalid_ClearError(string address) =>
        Assert.Throws<ArgumentException>(() => Offload.Grpc.Client.GrpcChannel.ForAddress(address));

    [Theory]
    [InlineData("0.0.0.0:9559")]
    [InlineData("[::1]:9559")]
    [InlineData("localhost:9559")]
    public void ParseListenAddress_Valid(string address) =>
        Assert.Equal(9559, Offload.Grpc.Server.GrpcServer.ParseListenAddress(address).Port);

    [Theory]
    [InlineData("9559")]
    [InlineData("example.com:9559")]
    [InlineData("::1:9559")]
    [InlineData("1.2.3.4:99999")]
    public void ParseListenAddress_Invalid(string address) =>
        Assert.Throws<ArgumentException>(() => Offload.Grpc.Server.GrpcServer.ParseListenAddress(address));

    [Fact]
    public void ChannelOptions_FastKeepalive_Refused() =>
        Assert.Throws<ArgumentException>(() => Offload.Grpc.Client.GrpcChannel.ForAddress("127.0.0.1:1",
            new Offload.Grpc.Client.GrpcChannelOptions { KeepAlivePingDelay = TimeSpan.FromSeconds(30) }));
}
