using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;
using Offload.Grpc.Wire;

namespace Offload.Grpc.Server;

/// <summary>
/// Turns one HTTP/2 request into one gRPC call: validates it, runs the handler, and ends the
/// response with trailers, or with a Trailers-Only response when nothing was sent.
/// </summary>
internal sealed partial class GrpcRequestDispatcher
{
    private readonly GrpcServiceRegistry _registry;
    private readonly GrpcServerOptions _options;
    private readonly ILogger _logger;

    public GrpcRequestDispatcher(GrpcServiceRegistry registry, GrpcServerOptions options, ILogger logger)
    {
        _registry = registry;
        _options = options;
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext http)
    {
        if (!HttpProtocol.IsHttp2(http.Request.Protocol))
        {
            http.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            http.Response.Headers.Connection = "Upgrade";
            http.Response.Headers.Upgrade = "HTTP/2";
            await http.Response.WriteAsync("gRPC requires HTTP/2.\n").ConfigureAwait(false);
            return;
        }
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            WriteTrailersOnly(http, new RpcStatus(StatusCode.Internal, "gRPC requires POST."), null);
            return;
        }
        if (!GrpcProtocol.IsGrpcContentType(http.Request.ContentType))
        {
            http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            WriteTrailersOnly(http, new RpcStatus(StatusCode.Internal,
                $"Content-Type '{http.Request.ContentType}' is not supported."), null);
            return;
        }
        http.Response.ContentType = GrpcProtocol.ContentType;
        var path = http.Request.Path.Value ?? "";
        if (!_registry.TryGet(path, out var method))
        {
            LogUnknownMethod(_logger, path);
            WriteTrailersOnly(http, new RpcStatus(StatusCode.Unimplemented, $"Method {path} is unimplemented."), null);
            return;
        }
        var encoding = http.Request.Headers[GrpcProtocol.EncodingHeader].ToString();
        if (encoding.Length > 0 && encoding != GrpcProtocol.IdentityEncoding)
        {
            http.Response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.IdentityEncoding;
            WriteTrailersOnly(http, new RpcStatus(StatusCode.Unimplemented,
                $"Unsupported grpc-encoding '{encoding}': only identity is accepted."), null);
            return;
        }
        DisableBodyLimits(http);

        TimeSpan? timeout = null;
        var timeoutHeader = http.Request.Headers[GrpcProtocol.TimeoutHeader].ToString();
        if (timeoutHeader.Length > 0)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader, out var parsed))
            {
                WriteTrailersOnly(http, new RpcStatus(StatusCode.Internal,
                    $"Invalid grpc-timeout value '{timeoutHeader}'."), null);
                return;
            }
            timeout = parsed;
        }

        using var deadline = new CancellationTokenSource();
        using var call = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, deadline.Token);
        if (timeout is { } t)
            deadline.CancelAfter(t);
        var context = new ServerCallContext(http, path, ReadMetadata(http.Request.Headers),
            timeout is { } d ? DateTime.UtcNow + d : null, call.Token);

        RpcStatus status;
        try
        {
            await method.InvokeAsync(http, context, _options).ConfigureAwait(false);
            status = context.Status ?? RpcStatus.Ok;
        }
        catch (RpcException ex)
        {
            status = ex.Status;
            context.ResponseTrailers.AddRange(ex.Trailers);
        }
        catch (Exception ex) when (deadline.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            status = new RpcStatus(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }
        catch (Exception ex) when (http.RequestAborted.IsCancellationRequested
                                   && ex is OperationCanceledException or IOException or ConnectionAbortedException)
        {
            LogCallCancelled(_logger, path);
            return;
        }
        catch (Exception ex)
        {
            LogHandlerFailed(_logger, path, ex);
            status = new RpcStatus(StatusCode.Unknown, "Exception was thrown by handler.");
        }

        if (http.RequestAborted.IsCancellationRequested)
            return;
        if (http.Response.HasStarted)
            WriteTrailers(http, status, context.ResponseTrailers);
        else
            WriteTrailersOnly(http, status, context.ResponseTrailers);
    }

    private static void WriteTrailers(HttpContext http, RpcStatus status, Metadata trailers) =>
        WriteStatus(status, trailers, (k, v) => http.Response.AppendTrailer(k, v));

    private static void WriteTrailersOnly(HttpContext http, RpcStatus status, Metadata? trailers)
    {
        http.Response.ContentType = GrpcProtocol.ContentType;
        WriteStatus(status, trailers, (k, v) => http.Response.Headers.Append(k, v));
    }

    private static void WriteStatus(RpcStatus status, Metadata? trailers, Action<string, string> add)
    {
        StatusTrailers.Write(status, add);
        if (trailers is not null)
            foreach (var entry in trailers)
                add(entry.Key, entry.WireValue);
    }

    private static Metadata ReadMetadata(IHeaderDictionary headers) =>
        Metadata.FromHeaders(headers.Select(h => (h.Key, (IEnumerable<string?>)h.Value)));

    private static void DisableBodyLimits(HttpContext http)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = null;
        if (http.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
            rate.MinDataRate = null;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "gRPC call to unknown method {Path}")]
    private static partial void LogUnknownMethod(ILogger logger, string path);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "gRPC call {Path} cancelled by the client")]
    private static partial void LogCallCancelled(ILogger logger, string path);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "gRPC handler for {Path} failed")]
    private static partial void LogHandlerFailed(ILogger logger, string path, Exception exception);
}
