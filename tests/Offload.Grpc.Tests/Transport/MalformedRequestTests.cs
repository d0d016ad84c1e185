using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Offload.Grpc.Client;
using Offload.Grpc.Server;
using Offload.Testing;
using Offload.Tests.Common;
using Xunit;

namespace Offload.Grpc.Tests.Transport;

/// <summary>Requests a gRPC client library would never send: the server answers with a status, never a crash.</summary>
public sealed class MalformedRequestTests : IAsyncLifetime
{
    private GrpcServer? _server;
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false });

    public async Task InitializeAsync()
    {
        var registry = new EchoService().Register(new GrpcServiceRegistry());
        registry.AddUnary(new Method<EchoRequest, EchoResponse>(MethodType.Unary, "offload.testing.Probe", "Connection",
                EchoRequest.Parser, EchoResponse.Parser),
            (_, context) => Task.FromResult(new EchoResponse { Note = context.ConnectionId }));
        _server = await GrpcServer.StartAsync(registry, new GrpcServerOptions { MaxReceiveMessageSize = 64 * 1024 });
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server!.DisposeAsync();
    }

    [Fact]
    public async Task Post_CompressedFlagWithoutEncoding_Internal()
    {
        var (status, _) = await PostAsync("/offload.testing.Echo/Unary", [1, 0, 0, 0, 0]);
        Assert.Equal("13", status);
    }

    [Fact]
    public async Task Post_TruncatedMessage_Internal()
    {
        var (status, message) = await PostAsync("/offload.testing.Echo/Unary", [0, 0, 0, 0, 10, 1, 2]);
        Assert.Equal("13", status);
        Assert.Contains("Incomplete", message);
    }

    [Fact]
    public async Task Post_GarbageProtobuf_Internal()
    {
        var (status, _) = await PostAsync("/offload.testing.Echo/Unary", [0, 0, 0, 0, 3, 0xff, 0xff, 0xff]);
        Assert.Equal("13", status);
    }

    [Fact]
    public async Task Post_NoMessage_Internal()
    {
        var (status, _) = await PostAsync("/offload.testing.Echo/Unary", []);
        Assert.Equal("13", status);
    }

    [Fact]
    public async Task Post_MessageOverServerLimit_ResourceExhausted()
    {
        using var channel = GrpcChannel.ForAddress($"127.0.0.1:{_server!.Port}");
        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(EchoMethods.Unary,
            new EchoRequest { Payload = ByteString.CopyFrom(new byte[100 * 1024]) }));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Post_UnknownMethod_TrailersOnlyUnimplemented()
    {
        using var response = await SendAsync("/no.Such/Method", [0, 0, 0, 0, 0], "application/grpc");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("12", response.Headers.GetValues("grpc-status").Single());
    }

    [Fact]
    public async Task Post_WrongContentType_Http415WithStatus()
    {
        using var response = await SendAsync("/offload.testing.Echo/Unary", [0, 0, 0, 0, 0], "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("13", response.Headers.GetValues("grpc-status").Single());
    }

    [Fact]
    public async Task Post_UnsupportedEncoding_Unimplemented()
    {
        var request = Request("/offload.testing.Echo/Unary", [0, 0, 0, 0, 0], "application/grpc");
        request.Headers.TryAddWithoutValidation("grpc-encoding", "gzip");
        using var response = await _http.SendAsync(request);
        Assert.Equal("12", response.Headers.GetValues("grpc-status").Single());
    }

    [Fact]
    public async Task Channel_ManyCalls_ShareOneConnection()
    {
        var probe = new Method<EchoRequest, EchoResponse>(MethodType.Unary, "offload.testing.Probe", "Connection",
            EchoRequest.Parser, EchoResponse.Parser);
        using var channel = GrpcChannel.ForAddress($"127.0.0.1:{_server!.Port}");
        var ids = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => channel.UnaryAsync(probe, new EchoRequest())));
        Assert.Single(ids.Select(r => r.Note).Distinct());
    }

    private async Task<(string? Status, string Message)> PostAsync(string path, byte[] body)
    {
        using var response = await SendAsync(path, body, "application/grpc");
        await response.Content.ReadAsByteArrayAsync();
        var status = First(response.TrailingHeaders, "grpc-status") ?? First(response.Headers, "grpc-status");
        var message = First(response.TrailingHeaders, "grpc-message") ?? First(response.Headers, "grpc-message") ?? "";
        return (status, message);
    }

    private async Task<HttpResponseMessage> SendAsync(string path, byte[] body, string contentType) =>
        await _http.SendAsync(Request(path, body, contentType));

    private HttpRequestMessage Request(string path, byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{_server!.Port}{path}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        return request;
    }

    private static string? First(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var v) ? v.FirstOrDefault() : null;
}
