using System.Net.Http.Json;
using Microsoft.Extensions.Logging;

namespace Offload.Controller.Health.Sharing;

/// <summary>
/// Takes a peer's heartbeat: when the cached copy of its table has another checksum, asks the peer for its snapshot
/// (seed 003: get-table-snapshot) and caches it. Only configured peers are heard, and a snapshot is fetched only
/// from the peer's configured address.
/// </summary>
public sealed partial class HeartbeatReceiver(HealthCache cache, Func<IReadOnlyList<string>> peers, ILogger logger) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2), MaxResponseContentBufferSize = 16 << 20 };

    public async Task<HeartbeatAnswer> ReceiveAsync(HealthHeartbeat heartbeat, CancellationToken cancellationToken)
    {
        if (!peers().Contains(heartbeat.Address, StringComparer.Ordinal))
            throw new UnauthorizedAccessException($"{heartbeat.Address} is not one of this controller's peers");
        if (cache.InSync(heartbeat))
            return new HeartbeatAnswer(true);
        var snapshot = await _http.GetFromJsonAsync($"http://{heartbeat.Address}/api/health/snapshot", SharingJson.Default.HealthSnapshot, cancellationToken)
                       ?? throw new FormatException($"{heartbeat.Address} sent no snapshot");
        cache.Store(heartbeat.Address, snapshot);
        LogFetched(logger, snapshot.Controller, heartbeat.Address, snapshot.Records.Length, snapshot.Checksum[..12]);
        return new HeartbeatAnswer(false);
    }

    public void Dispose() => _http.Dispose();

    [LoggerMessage(EventId = 1312, Level = LogLevel.Information, Message = "health sharing: {Controller} ({Address}) changed: snapshot of {Count} record(s) cached, checksum {Checksum}…")]
    private static partial void LogFetched(ILogger logger, string controller, string address, int count, string checksum);
}
