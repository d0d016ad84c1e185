using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using Google.Protobuf;

namespace Offload.Grpc.Client;

/// <summary>
/// One HTTP/2 connection (cleartext with prior knowledge, or TLS with ALPN h2) shared by every
/// call. A broken connection is replaced on the next call, so a restarted server is reached again.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private readonly HttpMessageInvoker _invoker;

    private GrpcChannel(Uri address, GrpcChannelOptions options)
    {
        Address = address;
        Options = options;
        if (options.KeepAlivePingDelay != Timeout.InfiniteTimeSpan
            && options.KeepAlivePingDelay < GrpcChannelOptions.MinimumKeepAlivePingDelay)
            throw new ArgumentException(
                $"KeepAlivePingDelay must be at least {GrpcChannelOptions.MinimumKeepAlivePingDelay.TotalMinutes} minutes " +
                "(C++ gRPC servers close connections that ping more often)", nameof(options));
        if (options.MaxReceiveMessageSize <= 0 || options.MaxSendMessageSize <= 0)
            throw new ArgumentException("message size limits must be positive", nameof(options));

        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = options.ConnectTimeout,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            MaxResponseHeadersLength = options.MaxResponseHeadersKiB,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            InitialHttp2StreamWindowSize = 4 * 1024 * 1024,
        };
        if (options.Ssl is not null)
            handler.SslOptions = options.Ssl;
        handler.SslOptions.ApplicationProtocols ??= new List<SslApplicationProtocol> { SslApplicationProtocol.Http2 };
        _invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public Uri Address { get; }
    public GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker => _invoker;

    /// <summary>
    /// Accepts "host:port" (cleartext), "http://host:port" or "https://host:port".
    /// </summary>
    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null)
    {
        if (string.IsNullOrWhiteSpace(address))
            throw new ArgumentException("gRPC address is empty", nameof(address));
        var text = address.Contains("://", StringComparison.Ordinal) ? address : "http://" + address;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https")
            || uri.IsDefaultPort && !address.Contains("://", StringComparison.Ordinal))
            throw new ArgumentException($"invalid gRPC address '{address}': expected HOST:PORT or http(s)://HOST:PORT",
                nameof(address));
        if (uri.AbsolutePath != "/")
            throw new ArgumentException($"gRPC address '{address}' must not have a path", nameof(address));
        return new GrpcChannel(uri, options ?? new GrpcChannelOptions());
    }

    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(Method<TRequest, TResponse> method,
        TRequest request, CallOptions? options = null)
        where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>
    {
        using var call = new ClientCall<TRequest, TResponse>(this, method, options ?? CallOptions.Default);
        call.Start(request);
        return await call.ReadSingleResponseAsync().ConfigureAwait(false);
    }

    public AsyncServerStreamingCall<TResponse> ServerStreaming<TRequest, TResponse>(
        Method<TRequest, TResponse> method, TRequest request, CallOptions? options = null)
        where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>
    {
        var call = new ClientCall<TRequest, TResponse>(this, method, options ?? CallOptions.Default);
        call.Start(request);
        return new AsyncServerStreamingCall<TResponse>(call);
    }

    public AsyncClientStreamingCall<TRequest, TResponse> ClientStreaming<TRequest, TResponse>(
        Method<TRequest, TResponse> method, CallOptions? options = null)
        where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>
    {
        var call = new ClientCall<TRequest, TResponse>(this, method, options ?? CallOptions.Default);
        call.Start(null);
        return new AsyncClientStreamingCall<TRequest, TResponse>(call);
    }

    public AsyncDuplexStreamingCall<TRequest, TResponse> DuplexStreaming<TRequest, TResponse>(
        Method<TRequest, TResponse> method, CallOptions? options = null)
        where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>
    {
        var call = new ClientCall<TRequest, TResponse>(this, method, options ?? CallOptions.Default);
        call.Start(null);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(call);
    }

    internal HttpRequestMessage CreateRequest(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Address, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("user-agent", Wire.GrpcProtocol.UserAgent);
        request.Headers.TryAddWithoutValidation("grpc-accept-encoding", Wire.GrpcProtocol.IdentityEncoding);
        return request;
    }

    internal static readonly MediaTypeHeaderValue GrpcContentType = new(Wire.GrpcProtocol.ContentType);

    public void Dispose() => _invoker.Dispose();
}
