using System.Diagnostics;
using Google.Protobuf;
using Offload.Grpc.Client;
using Offload.Testing;
using Offload.Tests.Common;
using Xunit;

namespace Offload.Grpc.Tests.Interop;

/// <summary>
/// Our client against an Echo server. Run twice: against the grpcio server (a real C-core peer) and
/// against our own Kestrel server, so both ends are held to the same behaviour.
/// </summary>
public abstract class ClientScenarios : IAsyncLifetime
{
    private GrpcChannel? _channel;

    protected abstract Task<string> StartServerAsync();
    protected abstract Task StopServerAsync();

    protected GrpcChannel Channel => _channel!;

    public async Task InitializeAsync() => _channel = GrpcChannel.ForAddress(await StartServerAsync());

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        await StopServerAsync();
    }

    [Fact]
    public async Task Unary_Echo_ReturnsPayloadAndHeaders()
    {
        var response = await Channel.UnaryAsync(EchoMethods.Unary, new EchoRequest { Payload = ByteString.CopyFromUtf8("hello") },
            new CallOptions(Headers: new Metadata().Add("x-echo", "abc")));
        Assert.Equal("hello", response.Payload.ToStringUtf8());
    }

    [Fact]
    public async Task ServerStreaming_25Responses_ArriveInOrderThenOk()
    {
        using var call = Channel.ServerStreaming(EchoMethods.ServerStream, new EchoRequest { ResponseCount = 25 });
        var indexes = new List<int>();
        await foreach (var response in call.ResponseStream.ReadAllAsync())
            indexes.Add(response.Index);
        Assert.Equal(Enumerable.Range(0, 25), indexes);
        Assert.Equal(StatusCode.OK, call.GetStatus().Code);
    }

    [Fact]
    public async Task ClientStreaming_TenRequests_ServerSeesAll()
    {
        using var call = Channel.ClientStreaming(EchoMethods.ClientStream);
        for (var i = 0; i < 10; i++)
            await call.RequestStream.WriteAsync(new EchoRequest { Payload = ByteString.CopyFrom(new byte[i]) });
        await call.RequestStream.CompleteAsync();
        var response = await call.ResponseAsync;
        Assert.Equal(10, response.Index);
        Assert.Equal("45", response.Note);
    }

    [Fact]
    public async Task Duplex_PingPong_EachAnswerBeforeNextRequest()
    {
        using var call = Channel.DuplexStreaming(EchoMethods.Bidi);
        for (var i = 0; i < 200; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Payload = ByteString.CopyFromUtf8(i.ToString()) });
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.Equal(i.ToString(), call.ResponseStream.Current.Payload.ToStringUtf8());
        }
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.OK, call.GetStatus().Code);
    }

    [Fact]
    public async Task Duplex_ErrorMidStream_EndsWithStatusAndDetails()
    {
        using var call = Channel.DuplexStreaming(EchoMethods.Bidi);
        await call.RequestStream.WriteAsync(new EchoRequest { Payload = ByteString.CopyFromUtf8("ok") });
        Assert.True(await call.ResponseStream.MoveNext());
        await call.RequestStream.WriteAsync(new EchoRequest { FailCode = 7, FailMessage = "not primary" });
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal("not primary", error.Status.Detail);
        Assert.Equal(StatusCode.PermissionDenied, call.GetStatus().Code);
    }

    [Fact]
    public async Task Unary_ErrorWithDetails_DecodesGoogleRpcStatusAndP4Error()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Channel.UnaryAsync(EchoMethods.Unary, new EchoRequest { FailCode = 6, FailMessage = "exists – ünïcode %" }));
        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Equal("exists – ünïcode %", error.Status.Detail);
        var rich = Assert.IsType<Google.Rpc.Status>(error.Status.Details);
        Assert.Equal(6, rich.Code);
        var detail = Assert.Single(rich.Details).Unpack<P4.V1.Error>();
        Assert.Equal(6, detail.CanonicalCode);
        Assert.Equal("entry exists – ünïcode %", detail.Message);
        Assert.StartsWith("from-", error.Trailers.GetValue("x-trailer"));
    }

    [Fact]
    public async Task Unary_DeadlineExceeded_FailsFastAndServerSeesIt()
    {
        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RpcException>(() => Channel.UnaryAsync(EchoMethods.Unary,
            new EchoRequest { SleepMs = 10000 }, new CallOptions(Timeout: TimeSpan.FromSeconds(1))));
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        // Client and server timers race to end the call; the server must have seen the deadline and the end.
        await WaitForStatAsync(s => s.DeadlineCalls + s.CancelledCalls > 0 && s.LastDeadlineMs is > 0 and <= 1100);
    }

    [Fact]
    public async Task ServerStreaming_CancelledByClient_ClientSeesCancelledAndServerStops()
    {
        using var cts = new CancellationTokenSource();
        using var call = Channel.ServerStreaming(EchoMethods.ServerStream,
            new EchoRequest { ResponseCount = -1, SleepMs = 10 }, new CallOptions(CancellationToken: cts.Token));
        for (var i = 0; i < 3; i++)
            Assert.True(await call.ResponseStream.MoveNext());
        cts.Cancel();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await WaitForStatAsync(s => s.CancelledCalls > 0);
    }

    [Fact]
    public async Task Unary_ThreeMebibyteMessage_RoundTrips()
    {
        var payload = new byte[3 * 1024 * 1024];
        new Random(42).NextBytes(payload);
        var response = await Channel.UnaryAsync(EchoMethods.Unary, new EchoRequest { Payload = ByteString.CopyFrom(payload) });
        Assert.True(payload.AsSpan().SequenceEqual(response.Payload.Span));
    }

    [Fact]
    public async Task Unary_ResponseOverClientLimit_ResourceExhausted()
    {
        using var small = GrpcChannel.ForAddress(Channel.Address.ToString(),
            new GrpcChannelOptions { MaxReceiveMessageSize = 1024 * 1024 });
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            small.UnaryAsync(EchoMethods.Unary, new EchoRequest { ResponseSize = 2 * 1024 * 1024 }));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Unary_UnknownMethod_Unimplemented()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Channel.UnaryAsync(EchoMethods.Missing, new EchoRequest()));
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task Unary_ServerRestarted_NextCallReconnects()
    {
        Assert.Equal("a", (await Channel.UnaryAsync(EchoMethods.Unary, new EchoRequest { Payload = ByteString.CopyFromUtf8("a") })).Payload.ToStringUtf8());
        var port = Channel.Address.Port;
        await StopServerAsync();
        var down = await Assert.ThrowsAsync<RpcException>(() => Channel.UnaryAsync(EchoMethods.Unary, new EchoRequest()));
        Assert.Equal(StatusCode.Unavailable, down.StatusCode);
        await RestartServerAsync(port);
        Assert.Equal("b", (await Channel.UnaryAsync(EchoMethods.Unary, new EchoRequest { Payload = ByteString.CopyFromUtf8("b") })).Payload.ToStringUtf8());
    }

    protected abstract Task RestartServerAsync(int port);

    private async Task WaitForStatAsync(Func<StatsResponse, bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < until)
        {
            if (condition(await Channel.UnaryAsync(EchoMethods.Stats, new StatsRequest())))
                return;
            await Task.Delay(50);
        }
        Assert.Fail("the server never saw the call end");
    }
}
