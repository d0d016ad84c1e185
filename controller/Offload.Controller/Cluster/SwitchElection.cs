using Microsoft.Extensions.Logging;
using Offload.P4Runtime.Session;

namespace Offload.Controller.Cluster;

/// <summary>
/// This controller's candidacy, through etcd, to be a switch's primary. It campaigns for as long as it runs; each
/// time it wins, the leader key's revision becomes its election id, in the high word's range 1 so that every id
/// etcd hands out is above every configured one and above every earlier winner's: a deposed leader, still connected,
/// is fenced by the switch itself. Losing the lease (etcd down, a partition) does not stop a leader serving the
/// switch: only a higher id can take the switch from it, and that needs etcd. It campaigns again, and a new win
/// raises its id.
/// </summary>
public sealed partial class SwitchElection(EtcdClient etcd, string sw, string candidate, TimeSpan ttl, ILogger logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _run;

    /// <summary>The election id of the last win; null before the first.</summary>
    public ElectionId? Won { get; private set; }

    /// <summary>Starts campaigning; <paramref name="elected"/> is told each win's election id.</summary>
    public void Start(Func<ElectionId, Task> elected) => _run ??= RunAsync(elected, _stop.Token);

    public static ElectionId IdOf(long revision) => new(1, (ulong)revision);

    private async Task RunAsync(Func<ElectionId, Task> elected, CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!cancellationToken.IsCancellationRequested)
        {
            var election = new EtcdElection(etcd.Channel, $"offload/switch/{sw}", candidate, ttl, logger);
            try
            {
                var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                election.LeadershipLost += () => lost.TrySetResult();
                var won = await election.CampaignAsync(cancellationToken);
                var id = IdOf((long)won.Low);
                Won = id;
                LogWon(logger, sw, candidate, id.ToString());
                await elected(id);
                backoff = TimeSpan.FromMilliseconds(200);
                await lost.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is Offload.Grpc.RpcException or IOException or OperationCanceledException)
            {
                LogCampaignFailed(logger, sw, ex.Message, backoff.TotalSeconds);
                await Task.Delay(backoff, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
            finally
            {
                await election.DisposeAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_run is { } run)
            await run.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [LoggerMessage(EventId = 1440, Level = LogLevel.Information, Message = "{Switch}: {Candidate} elected through etcd; election id {Id}")]
    private static partial void LogWon(ILogger logger, string @switch, string candidate, string id);

    [LoggerMessage(EventId = 1441, Level = LogLevel.Warning, Message = "{Switch}: campaigning through etcd failed ({Error}); again in {Seconds:0.#} s")]
    private static partial void LogCampaignFailed(ILogger logger, string @switch, string error, double seconds);
}
