using System.Net.Http.Json;
using Microsoft.Extensions.Logging;

namespace Offload.Controller.Health.Sharing;

/// <summary>
/// Sends this controller's heartbeat (its name, its admin address, its table's checksum) to every peer each
/// heartbeat interval; a peer whose copy differs fetches the snapshot (<see cref="HeartbeatReceiver"/>).
/// </summary>
public sealed partial class HeartbeatSender(Func<HealthSnapshot> snapshot, string ownAddress, Func<IReadOnlyList<string>> peers, Func<TimeSpan> interval, ILogger logger)
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly HashSet<string> _failing = new(StringComparer.Ordinal);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var mine = snapshot();
                await Task.WhenAll(peers().Select(p => BeatAsync(p, new HealthHeartbeat(mine.Controller, ownAddress, mine.Checksum), cancellationToken)));
                await Task.Delay(interval(), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            _http.Dispose();
        }
    }

    private async Task BeatAsync(string peer, HealthHeartbeat heartbeat, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.PostAsJsonAsync($"http://{peer}/api/health/heartbeat", heartbeat, SharingJson.Default.HealthHeartbeat, cancellationToken);
            response.EnsureSuccessStatusCode();
            lock (_failing)
            {
                if (_failing.Remove(peer))
                    LogPeerBack(logger, peer);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            lock (_failing)
            {
                if (_failing.Add(peer))
                    LogPeerUnreachable(logger, peer, ex.Message);
            }
        }
    }

    [LoggerMessage(EventId = 1310, Level = LogLevel.Warning, Message = "health sharing: peer {Peer} does not take heartbeats: {Error}")]
    private static partial void LogPeerUnreachable(ILogger logger, string peer, string error);

    [LoggerMessage(EventId = 1311, Level = LogLevel.Information, Message = "health sharing: peer {Peer} takes heartbeats again")]
    private static partial void LogPeerBack(ILogger logger, string peer);
}
