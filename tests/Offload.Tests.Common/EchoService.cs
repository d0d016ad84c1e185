using Google.Protobuf;
using Offload.Grpc;
using Offload.Grpc.Server;
using Offload.Testing;

namespace Offload.Tests.Common;

/// <summary>Methods of the Echo test service and a C# implementation matching tests/interop/echo_server.py.</summary>
public static class EchoMethods
{
    private const string Service = "offload.testing.Echo";

    public static readonly Method<EchoRequest, EchoResponse> Unary =
        new(MethodType.Unary, Service, "Unary", EchoRequest.Parser, EchoResponse.Parser);

    public static readonly Method<EchoRequest, EchoResponse> ServerStream =
        new(MethodType.ServerStreaming, Service, "ServerStream", EchoRequest.Parser, EchoResponse.Parser);

    public static readonly Method<EchoRequest, EchoResponse> ClientStream =
        new(MethodType.ClientStreaming, Service, "ClientStream", EchoRequest.Parser, EchoResponse.Parser);

    public static readonly Method<EchoRequest, EchoResponse> Bidi =
        new(MethodType.DuplexStreaming, Service, "Bidi", EchoRequest.Parser, EchoResponse.Parser);

    public static readonly Method<StatsRequest, StatsResponse> Stats =
        new(MethodType.Unary, Service, "Stats", StatsRequest.Parser, StatsResponse.Parser);

    public static readonly Method<EchoRequest, EchoResponse> Missing =
        new(MethodType.Unary, Service, "Missing", EchoRequest.Parser, EchoResponse.Parser);
}

public sealed class EchoService
{
    private int _cancelled;
    private int _deadlines;
    private int _lastDeadlineMs;

    public GrpcServiceRegistry Register(GrpcServiceRegistry registry) => registry
        .AddUnary(EchoMethods.Unary, UnaryAsync)
        .AddServerStreaming(EchoMethods.ServerStream, ServerStreamAsync)
        .AddClientStreaming(EchoMethods.ClientStream, ClientStreamAsync)
        .AddDuplexStreaming(EchoMethods.Bidi, BidiAsync)
        .AddUnary(EchoMethods.Stats, (_, _) => Task.FromResult(new StatsResponse
        {
            CancelledCalls = Volatile.Read(ref _cancelled),
            DeadlineCalls = Volatile.Read(ref _deadlines),
            LastDeadlineMs = Volatile.Read(ref _lastDeadlineMs),
        }));

    private async Task<EchoResponse> UnaryAsync(EchoRequest request, ServerCallContext context)
    {
        if (context.Deadline is { } deadline)
            Volatile.Write(ref _lastDeadlineMs, (int)Math.Round((deadline - DateTime.UtcNow).TotalMilliseconds));
        if (context.RequestHeaders.GetValue("x-echo") is { } echo)
            await context.WriteResponseHeadersAsync(new Metadata().Add("x-echo", echo));
        await SleepAsync(request, context);
        ThrowIfFailing(request, context);
        return Respond(request, 0);
    }

    private async Task ServerStreamAsync(EchoRequest request, IAsyncStreamWriter<EchoResponse> responses,
        ServerCallContext context)
    {
        for (var i = 0; request.ResponseCount < 0 || i < request.ResponseCount; i++)
        {
            await SleepAsync(request, context);
            await responses.WriteAsync(Respond(request, i));
        }
        ThrowIfFailing(request, context);
    }

    private static async Task<EchoResponse> ClientStreamAsync(IAsyncStreamReader<EchoRequest> requests,
        ServerCallContext context)
    {
        int count = 0, total = 0;
        await foreach (var request in requests.ReadAllAsync())
        {
            count++;
            total += request.Payload.Length;
        }
        return new EchoResponse { Index = count, Note = total.ToString() };
    }

    private static async Task BidiAsync(IAsyncStreamReader<EchoRequest> requests,
        IAsyncStreamWriter<EchoResponse> responses, ServerCallContext context)
    {
        var index = 0;
        await foreach (var request in requests.ReadAllAsync())
        {
            ThrowIfFailing(request, context);
            await responses.WriteAsync(Respond(request, index++));
        }
    }

    private async Task SleepAsync(EchoRequest request, ServerCallContext context)
    {
        if (request.SleepMs <= 0)
            return;
        try
        {
            await Task.Delay(request.SleepMs, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            if (context.Deadline is { } deadline && DateTime.UtcNow >= deadline.AddMilliseconds(-50))
                Interlocked.Increment(ref _deadlines);
            else
                Interlocked.Increment(ref _cancelled);
            throw;
        }
    }

    private static void ThrowIfFailing(EchoRequest request, ServerCallContext context)
    {
        if (request.FailCode == 0)
            return;
        var status = RpcStatus.WithDetails((StatusCode)request.FailCode, request.FailMessage,
            new P4.V1.Error { CanonicalCode = request.FailCode, Message = "entry " + request.FailMessage, Space = "offload-test" });
        throw new RpcException(status, new Metadata().Add("x-trailer", "from-csharp"));
    }

    private static EchoResponse Respond(EchoRequest request, int index) => new()
    {
        Payload = request.ResponseSize > 0 ? ByteString.CopyFrom(new byte[request.ResponseSize]) : request.Payload,
        Index = index,
    };
}
