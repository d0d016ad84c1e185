using Google.Protobuf;

namespace Offload.Grpc.Client;

/// <summary>What the public call wrappers need of a running call.</summary>
internal interface IClientCallOf<TResponse> : IDisposable where TResponse : class
{
    RpcStatus GetStatus();
    Metadata GetTrailers();
    Task<Metadata> GetResponseHeadersAsync();
    Task<TResponse?> ReadNextAsync(CancellationToken cancellationToken);
}

/// <summary>Reads the responses of a streaming call.</summary>
internal sealed class ResponseStreamReader<TResponse> : IAsyncStreamReader<TResponse> where TResponse : class
{
    private readonly IClientCallOf<TResponse> _call;
    private TResponse? _current;

    public ResponseStreamReader(IClientCallOf<TResponse> call) => _call = call;

    public TResponse Current => _current ?? throw new InvalidOperationException("no current message: call MoveNext first");

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        _current = await _call.ReadNextAsync(cancellationToken).ConfigureAwait(false);
        return _current is not null;
    }
}

internal sealed class RequestStreamWriter<TRequest, TResponse> : IClientStreamWriter<TRequest>
    where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>
{
    private readonly ClientCall<TRequest, TResponse> _call;

    public RequestStreamWriter(ClientCall<TRequest, TResponse> call) => _call = call;

    public Task WriteAsync(TRequest message, CancellationToken cancellationToken = default) =>
        _call.WriteAsync(message, cancellationToken);

    public Task CompleteAsync() => _call.CompleteRequestAsync();
}

/// <summary>Common surface of streaming calls: headers, status, trailers; Dispose cancels a running call.</summary>
public abstract class AsyncCallBase : IDisposable
{
    private readonly IDisposable _call;
    private readonly Func<RpcStatus> _status;
    private readonly Func<Metadata> _trailers;
    private readonly Func<Task<Metadata>> _headers;

    private protected AsyncCallBase(IDisposable call, Func<RpcStatus> status, Func<Metadata> trailers,
        Func<Task<Metadata>> headers)
    {
        _call = call;
        _status = status;
        _trailers = trailers;
        _headers = headers;
    }

    public Task<Metadata> ResponseHeadersAsync => _headers();
    public RpcStatus GetStatus() => _status();
    public Metadata GetTrailers() => _trailers();
    public void Dispose() => _call.Dispose();
}

public sealed class AsyncServerStreamingCall<TResponse> : AsyncCallBase where TResponse : class
{
    internal AsyncServerStreamingCall(IClientCallOf<TResponse> call)
        : base(call, call.GetStatus, call.GetTrailers, call.GetResponseHeadersAsync) =>
        ResponseStream = new ResponseStreamReader<TResponse>(call);

    public IAsyncStreamReader<TResponse> ResponseStream { get; }
}

public sealed class AsyncClientStreamingCall<TRequest, TResponse> : AsyncCallBase
    where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>
{
    private readonly ClientCall<TRequest, TResponse> _call;

    internal AsyncClientStreamingCall(ClientCall<TRequest, TResponse> call)
        : base(call, call.GetStatus, call.GetTrailers, call.GetResponseHeadersAsync)
    {
        _call = call;
        RequestStream = new RequestStreamWriter<TRequest, TResponse>(call);
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }

    /// <summary>The single response; completes after the request stream is completed and the server answers.</summary>
    public Task<TResponse> ResponseAsync => _call.ReadSingleResponseAsync();
}

public sealed class AsyncDuplexStreamingCall<TRequest, TResponse> : AsyncCallBase
    where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>
{
    internal AsyncDuplexStreamingCall(ClientCall<TRequest, TResponse> call)
        : base(call, call.GetStatus, call.GetTrailers, call.GetResponseHeadersAsync)
    {
        RequestStream = new RequestStreamWriter<TRequest, TResponse>(call);
        ResponseStream = new ResponseStreamReader<TResponse>(call);
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }
    public IAsyncStreamReader<TResponse> ResponseStream { get; }
}
