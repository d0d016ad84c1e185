using System.Net;
using System.Net.Sockets;
using Offload.AgentProtocol;

namespace Offload.Controller.Health.Agents;

/// <summary>Reads a node agent's status over HTTP, on TCP (<c>HOST:PORT</c>) or on its Unix socket (<c>unix:/path</c>).</summary>
public sealed class AgentClient : IDisposable
{
    private const int MaxReport = 1 << 20;
    private readonly HttpClient _http;
    private readonly Uri _status;

    public AgentClient(string endpoint, TimeSpan timeout)
    {
        Endpoint = endpoint;
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1), UseProxy = false };
        if (endpoint.StartsWith("unix:", StringComparison.Ordinal))
        {
            var path = endpoint["unix:".Length..];
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
            _status = new Uri("http://offload-agent/status");
        }
        else
        {
            _status = new Uri($"http://{endpoint}/status");
        }
        _http = new HttpClient(handler) { Timeout = timeout, MaxResponseContentBufferSize = MaxReport };
    }

    public string Endpoint { get; }

    /// <summary>The agent's report; throws <see cref="HttpRequestException"/>, <see cref="FormatException"/> or a timeout when there is none.</summary>
    public async Task<AgentReport> ReadAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(_status, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new HttpRequestException($"the agent answered {(int)response.StatusCode} {response.ReasonPhrase}");
        return AgentReport.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken));
    }

    public void Dispose() => _http.Dispose();
}
