using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Offload.Grpc.Wire;

namespace Offload.Grpc.Client;

/// <summary>
/// One call on a channel, whatever its kind: sends the request headers and body, reads response
/// messages and ends with the status from the trailers (or a Trailers-Only response).
/// </summary>
internal sealed class ClientCall<TRequest, TResponse> : IClientCallOf<TResponse>
    where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>
{
    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource _deadline = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly CancellationTokenSource _call;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly byte[] _headerBuffer = new byte[GrpcProtocol.HeaderSize];
    private PushStreamContent? _push;
    private Task<HttpResponseMessage>? _send;
    private HttpResponseMessage? _response;
    private Stream? _responseStream;
    private RpcStatus? _status;
    private Metadata? _trailers;
    private bool _requestCompleted;

    public ClientCall(GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        _call = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken, _deadline.Token, _disposed.Token);
        if (options.Timeout is { } timeout)
            _deadline.CancelAfter(timeout <= TimeSpan.Zero ? TimeSpan.Zero : timeout);
    }

    public void Start(TRequest? single)
    {
        var request = _channel.CreateRequest(_method.FullName);
        if (_options.Timeout is { } timeout)
            request.Headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Encode(timeout));
        if (_options.Headers is { } headers)
            foreach (var entry in headers)
                request.Headers.TryAddWithoutValidation(entry.Key, entry.WireValue);

        HttpContent content;
        if (single is not null)
        {
            content = new ByteArrayContent(MessageFramer.FrameToArray(single, _channel.Options.MaxSendMessageSize));
            _requestCompleted = true;
        }
        else
        {
            content = _push = new PushStreamContent();
        }
        content.Headers.ContentType = GrpcChannel.GrpcContentType;
        request.Content = content;
        _send = _channel.Invoker.SendAsync(request, _call.Token);
    }

    public RpcStatus GetStatus() =>
        _status ?? throw new InvalidOperationException("the call has not finished: read every response first");

    public Metadata GetTrailers() =>
        _trailers ?? throw new InvalidOperationException("the call has not finished: read every response first");

    public async Task<Metadata> GetResponseHeadersAsync()
    {
        var response = await GetResponseAsync().ConfigureAwait(false);
        return response is null ? Metadata.Empty : ToMetadata(response.Headers);
    }

    public async Task<TResponse> ReadSingleResponseAsync()
    {
        var message = await ReadNextAsync(CancellationToken.None).ConfigureAwait(false);
        if (message is null)
            throw new RpcException(new RpcStatus(StatusCode.Internal, "Failed to deserialize response message: no message received."), _trailers);
        var extra = await ReadNextAsync(CancellationToken.None).ConfigureAwait(false);
        if (extra is not null)
            throw Fail(new RpcStatus(StatusCode.Internal, "Unary call received more than one response message."));
        return message;
    }

    /// <summary>Next response message, or null when the call ended with OK; a non-OK end throws.</summary>
    public async Task<TResponse?> ReadNextAsync(CancellationToken cancellationToken)
    {
        if (_status is not null)
            return _status.Code == StatusCode.OK ? null : throw new RpcException(_status, _trailers);
        using var _ = cancellationToken.Register(static s => ((CancellationTokenSource)s!).Cancel(), _call);
        var response = await GetResponseAsync().ConfigureAwait(false);
        if (response is null)
            return _status!.Code == StatusCode.OK ? null : throw new RpcException(_status, _trailers);
        try
        {
            _responseStream ??= await response.Content.ReadAsStreamAsync(_call.Token).ConfigureAwait(false);
            var message = await MessageFramer.ReadAsync(_responseStream, _method.ResponseParser,
                _channel.Options.MaxReceiveMessageSize, _headerBuffer, _call.Token).ConfigureAwait(false);
            if (message is not null)
                return message;
        }
        catch (RpcException ex)
        {
            throw Fail(ex.Status);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
            throw Fail(MapTransportFailure(ex));
        }

        _trailers = ToMetadata(response.TrailingHeaders);
        _status = StatusTrailers.TryRead(name => First(response.TrailingHeaders, name))
                  ?? new RpcStatus(StatusCode.Internal, "No grpc-status found on response.");
        Finish();
        return _status.Code == StatusCode.OK ? null : throw new RpcException(_status, _trailers);
    }

    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken)
    {
        if (_push is null)
            throw new InvalidOperationException("this call has no request stream");
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_requestCompleted)
                throw new InvalidOperationException("the request stream is already complete");
            if (_status is not null)
                throw new RpcException(_status, _trailers);
            var frame = MessageFramer.Frame(message, _channel.Options.MaxSendMessageSize, out var length);
            try
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _call.Token);
                var stream = await RequestStreamAsync(linked.Token).ConfigureAwait(false);
                await stream.WriteAsync(frame.AsMemory(0, length), linked.Token).ConfigureAwait(false);
                await stream.FlushAsync(linked.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException
                                           or ObjectDisposedException)
            {
                if (_status is not null)
                    throw new RpcException(_status, _trailers);
                if (cancellationToken.IsCancellationRequested && !_call.IsCancellationRequested)
                    throw;
                throw new RpcException(MapTransportFailure(ex));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(frame);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The request body stream; a call that fails before the body is asked for (no connection) fails the write.</summary>
    private async Task<Stream> RequestStreamAsync(CancellationToken cancellationToken)
    {
        var stream = _push!.RequestStream;
        if (!stream.IsCompleted)
        {
            await Task.WhenAny(stream, _send!).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!stream.IsCompleted && _send!.IsCompleted && !_send.IsCompletedSuccessfully)
            {
                try
                {
                    await _send.ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
                {
                    throw Fail(MapTransportFailure(ex));
                }
            }
        }
        return await stream.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task CompleteRequestAsync()
    {
        if (_push is null)
            return;
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _requestCompleted = true;
            _push.Complete();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The response headers, or null for a call that ended without them (Trailers-Only or failure).</summary>
    private async Task<HttpResponseMessage?> GetResponseAsync()
    {
        if (_response is not null)
            return _response;
        if (_status is not null)
            return null;
        HttpResponseMessage response;
        try
        {
            response = await _send!.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
            throw Fail(MapTransportFailure(ex));
        }

        var status = ValidateResponse(response);
        if (status is not null)
        {
            _trailers = ToMetadata(response.Headers);
            _status = status;
            response.Dispose();
            Finish();
            return null;
        }
        _response = response;
        return response;
    }

    private static RpcStatus? ValidateResponse(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.OK)
            return new RpcStatus(MapHttpStatus(response.StatusCode),
                $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}");
        if (response.Version.Major < 2)
            return new RpcStatus(StatusCode.Internal, $"Bad gRPC response. Response protocol downgraded to HTTP/{response.Version}.");
        // Trailers-Only: the status arrives with the headers.
        var status = StatusTrailers.TryRead(name => First(response.Headers, name));
        if (status is not null)
            return status;
        var contentType = response.Content.Headers.ContentType?.ToString();
        if (!GrpcProtocol.IsGrpcContentType(contentType))
            return new RpcStatus(StatusCode.Cancelled, $"Bad gRPC response. Invalid content-type value: {contentType}");
        return null;
    }

    private RpcStatus MapTransportFailure(Exception ex)
    {
        if (_deadline.IsCancellationRequested)
            return new RpcStatus(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        if (_call.IsCancellationRequested)
            return new RpcStatus(StatusCode.Cancelled, "Call canceled by the client.");
        for (var e = ex; e is not null; e = e.InnerException)
            if (e is HttpProtocolException protocol)
                return new RpcStatus(MapHttp2Error(protocol.ErrorCode), $"HTTP/2 stream reset: {protocol.Message}");
        var root = ex;
        while (root.InnerException is not null)
            root = root.InnerException;
        return new RpcStatus(StatusCode.Unavailable, $"Error connecting to {_channel.Address.Authority}: {root.Message}");
    }

    private RpcException Fail(RpcStatus status)
    {
        _status ??= status;
        _trailers ??= Metadata.Empty;
        Finish();
        _call.Cancel();
        // Disposing an unfinished response resets the HTTP/2 stream (RST_STREAM CANCEL), so the server learns at once.
        _responseStream?.Dispose();
        _response?.Dispose();
        return new RpcException(_status, _trailers);
    }

    private void Finish()
    {
        _push?.Abort();
        _deadline.Dispose();
    }

    private static StatusCode MapHttpStatus(HttpStatusCode code) => (int)code switch
    {
        400 or 431 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        >= 100 and < 200 => StatusCode.Internal,
        _ => StatusCode.Unknown,
    };

    private static StatusCode MapHttp2Error(long code) => code switch
    {
        0x7 => StatusCode.Unavailable,        // REFUSED_STREAM
        0x8 => StatusCode.Cancelled,          // CANCEL
        0xb => StatusCode.ResourceExhausted,  // ENHANCE_YOUR_CALM
        0xc => StatusCode.PermissionDenied,   // INADEQUATE_SECURITY
        _ => StatusCode.Internal,
    };

    private static string? First(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static Metadata ToMetadata(HttpHeaders headers) =>
        Metadata.FromHeaders(headers.Select(h => (h.Key, (IEnumerable<string?>)h.Value)));

    public void Dispose()
    {
        if (!_disposed.IsCancellationRequested)
            _disposed.Cancel();
        _push?.Abort();
        _responseStream?.Dispose();
        _response?.Dispose();
        _call.Dispose();
    }
}
