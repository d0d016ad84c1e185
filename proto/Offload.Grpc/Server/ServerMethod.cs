using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Offload.Grpc.Server;

/// <summary>A registered method: reads its requests and runs its handler.</summary>
internal abstract class ServerMethod
{
    public abstract string FullName { get; }
    public abstract Task InvokeAsync(HttpContext http, ServerCallContext context, GrpcServerOptions options);
}

internal sealed class ServerMethod<TRequest, TResponse> : ServerMethod
    where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>
{
    private readonly Method<TRequest, TResponse> _method;
    private readonly Func<IAsyncStreamReader<TRequest>, IAsyncStreamWriter<TResponse>, ServerCallContext, Task> _invoke;

    private ServerMethod(Method<TRequest, TResponse> method,
        Func<IAsyncStreamReader<TRequest>, IAsyncStreamWriter<TResponse>, ServerCallContext, Task> invoke)
    {
        _method = method;
        _invoke = invoke;
    }

    public override string FullName => _method.FullName;

    public static ServerMethod Unary(Method<TRequest, TResponse> method, UnaryHandler<TRequest, TResponse> handler) =>
        new ServerMethod<TRequest, TResponse>(method, async (requests, responses, context) =>
        {
            var request = await ReadSingleAsync(requests).ConfigureAwait(false);
            var response = await handler(request, context).ConfigureAwait(false);
            await responses.WriteAsync(response).ConfigureAwait(false);
        });

    public static ServerMethod ServerStreaming(Method<TRequest, TResponse> method,
        ServerStreamingHandler<TRequest, TResponse> handler) =>
        new ServerMethod<TRequest, TResponse>(method, async (requests, responses, context) =>
        {
            var request = await ReadSingleAsync(requests).ConfigureAwait(false);
            await handler(request, responses, context).ConfigureAwait(false);
        });

    public static ServerMethod ClientStreaming(Method<TRequest, TResponse> method,
        ClientStreamingHandler<TRequest, TResponse> handler) =>
        new ServerMethod<TRequest, TResponse>(method, async (requests, responses, context) =>
        {
            var response = await handler(requests, context).ConfigureAwait(false);
            await responses.WriteAsync(response).ConfigureAwait(false);
        });

    public static ServerMethod Duplex(Method<TRequest, TResponse> method,
        DuplexStreamingHandler<TRequest, TResponse> handler) =>
        new ServerMethod<TRequest, TResponse>(method, (requests, responses, context) =>
            handler(requests, responses, context));

    public override async Task InvokeAsync(HttpContext http, ServerCallContext context, GrpcServerOptions options)
    {
        var reader = new ServerStreamReader<TRequest>(http.Request.BodyReader, _method.RequestParser,
            options.MaxReceiveMessageSize, context.CancellationToken);
        var writer = new ServerStreamWriter<TResponse>(http.Response.BodyWriter, options.MaxSendMessageSize,
            context.CancellationToken);
        try
        {
            await _invoke(reader, writer, context).ConfigureAwait(false);
        }
        finally
        {
            await writer.CloseAsync().ConfigureAwait(false);
        }
    }

    private static async Task<TRequest> ReadSingleAsync(IAsyncStreamReader<TRequest> requests)
    {
        if (!await requests.MoveNext().ConfigureAwait(false))
            throw new RpcException(StatusCode.Internal, "Request stream ended without a request message.");
        var request = requests.Current;
        if (await requests.MoveNext().ConfigureAwait(false))
            throw new RpcException(StatusCode.Internal, "Additional request message received for a single-request method.");
        return request;
    }
}
