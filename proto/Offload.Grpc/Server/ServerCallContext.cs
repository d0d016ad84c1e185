using Microsoft.AspNetCore.Http;
using Offload.Grpc.Wire;

namespace Offload.Grpc.Server;

/// <summary>What a handler knows of its call: peer, metadata, deadline, cancellation; and what it may set.</summary>
public sealed class ServerCallContext
{
    private readonly HttpContext _http;

    internal ServerCallContext(HttpContext http, string method, Metadata requestHeaders, DateTime? deadline,
        CancellationToken cancellationToken)
    {
        _http = http;
        Method = method;
        RequestHeaders = requestHeaders;
        Deadline = deadline;
        CancellationToken = cancellationToken;
    }

    public string Method { get; }
    public string Peer => $"{_http.Connection.RemoteIpAddress}:{_http.Connection.RemotePort}";

    /// <summary>Identifies the HTTP/2 connection the call came on; calls of one client share it.</summary>
    public string ConnectionId => _http.Connection.Id;

    public Metadata RequestHeaders { get; }
    public DateTime? Deadline { get; }

    /// <summary>Cancelled when the client cancels, the connection drops or the deadline passes.</summary>
    public CancellationToken CancellationToken { get; }

    public Metadata ResponseTrailers { get; } = new();

    /// <summary>A status to end the call with when the handler returns normally.</summary>
    public RpcStatus? Status { get; set; }

    public async Task WriteResponseHeadersAsync(Metadata headers)
    {
        if (_http.Response.HasStarted)
            throw new InvalidOperationException("response headers were already sent");
        foreach (var entry in headers)
            _http.Response.Headers.Append(entry.Key, entry.WireValue);
        await _http.Response.StartAsync(CancellationToken).ConfigureAwait(false);
    }
}
