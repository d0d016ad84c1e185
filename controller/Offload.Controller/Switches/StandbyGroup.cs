using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Offload.Controller.Configuration;

namespace Offload.Controller.Switches;

/// <summary>A change of the group's active switch: from whom (null at start), to whom, why, and how long the change took.</summary>
public sealed record Takeover(string? From, string To, string Reason, DateTimeOffset At, TimeSpan Took);

/// <summary>
/// Switches wired in parallel, driven as one: the first member ready (preferring the one that already holds the
/// virtual MAC, so a controller restart moves nothing) becomes active, the others standby. Every connection the active
/// switch pins, ends or forgets is mirrored onto each standby in order, and a standby that joins is first given all of
/// them, so a takeover loses none. The active switch is replaced when its P4Runtime stream is gone (the process died,
/// the switch restarted, the management link failed), or when its uplinks stop answering while a standby's answer
/// (its own link failed, not the neighbour: the peer's failure moves nothing). A switch that comes back stays standby:
/// taking the traffic back would be a second interruption for nothing (keepalived's nopreempt).
/// </summary>
public sealed partial class StandbyGroup
{
    private readonly SwitchGroupConfig _config;
    private readonly IReadOnlyList<SwitchAgent> _members;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<SwitchAgent, TaskCompletionSource<SwitchRole>> _joining = new();
    private readonly Dictionary<SwitchAgent, Channel<Func<SwitchAgent, Task>>> _mirrors;
    private readonly SemaphoreSlim _changed = new(0, int.MaxValue);
    private readonly Stopwatch _sinceFirstJoin = new();
    private volatile SwitchAgent? _active;

    public StandbyGroup(SwitchGroupConfig config, IReadOnlyList<SwitchAgent> members, ILogger logger)
    {
        _config = config;
        _members = members;
        _logger = logger;
        _mirrors = members.ToDictionary(m => m, _ => Channel.CreateUnbounded<Func<SwitchAgent, Task>>());
        foreach (var member in members)
            member.Group = this;
    }

    public string Name => _config.Name;

    /// <summary>How long the first members to join wait for the others before one is made active without them.</summary>
    public TimeSpan StartupGrace { get; init; } = TimeSpan.FromSeconds(2);

    public SwitchAgent? Active => _active;

    /// <summary>The members in order of preference.</summary>
    public IReadOnlyList<SwitchAgent> Members => _members;

    /// <summary>Every change of the active switch since the controller started, the latest last.</summary>
    public IReadOnlyList<Takeover> Takeovers
    {
        get
        {
            lock (_lock)
                return _takeovers.ToList();
        }
    }

    private readonly List<Takeover> _takeovers = [];

    /// <summary>A member that is primary and prepared asks for its role; it is given one once the group has decided.</summary>
    public Task<SwitchRole> JoinAsync(SwitchAgent member, CancellationToken cancellationToken)
    {
        var decided = new TaskCompletionSource<SwitchRole>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _joining[member] = decided;
            if (!_sinceFirstJoin.IsRunning)
                _sinceFirstJoin.Start();
        }
        _changed.Release();
        return decided.Task.WaitAsync(cancellationToken);
    }

    /// <summary>A member stopped serving (its stream closed, or the controller stopped being its primary).</summary>
    public void Left(SwitchAgent member)
    {
        lock (_lock)
            _joining.Remove(member);
        _changed.Release();
    }

    /// <summary>Queues an operation for every standby (what the active switch just did); other members' calls are ignored.</summary>
    public void Mirror(SwitchAgent from, Func<SwitchAgent, Task> operation)
    {
        if (from != _active)
            return;
        foreach (var member in _members.Where(m => m != from && m.Role == SwitchRole.Standby))
            _mirrors[member].Writer.TryWrite(operation);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var mirrors = _members.Select(m => MirrorLoopAsync(m, cancellationToken)).ToList();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _changed.WaitAsync(TimeSpan.FromMilliseconds(20), cancellationToken);
                await DecideAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The group must go on deciding whatever one pass ran into: a dead loop would leave a failed switch active.
                LogDecisionFailed(_logger, Name, ex.Message, ex is Offload.Grpc.RpcException or Offload.P4Runtime.Session.P4RuntimeWriteException or IOException or OperationCanceledException ? null : ex);
            }
        }
        await Task.WhenAll(mirrors);
    }

    private static bool Usable(SwitchAgent member) => member.IsPrepared && member.IsConnected;

    private async Task DecideAsync(CancellationToken cancellationToken)
    {
        var active = _active;
        if (active is not null && !Usable(active))
        {
            if (Best(exclude: active) is { IsReady: true } successor)
                await TakeOverAsync(active, successor, $"{active.Name}'s P4Runtime stream is {(active.IsConnected ? "no longer ours (another controller is primary)" : "gone")}", cancellationToken);
            return;
        }
        if (active is not null && Joining().Contains(active))
        {
            Assign(active, SwitchRole.Active, null);
            return;
        }
        if (active is null)
        {
            if (StartingMember() is { } first)
                Assign(first, SwitchRole.Active, new Takeover(null, first.Name, first.HoldsVirtualMac ? "it holds the virtual MAC" : "the first ready in order", DateTimeOffset.UtcNow, TimeSpan.Zero));
            return;
        }
        foreach (var joining in Joining().Where(m => m != active))
        {
            _mirrors[joining].Writer.TryWrite(standby => standby.MirrorAsync(active.TrackedConnections(), cancellationToken));
            Assign(joining, SwitchRole.Standby, null);
            LogStandby(_logger, Name, joining.Name, active.Name);
        }
        if (active.IsReady && active.UplinksUp == false && Best(exclude: active) is { IsReady: true, Role: SwitchRole.Standby, UplinksUp: true } healthy)
            await TakeOverAsync(active, healthy, $"{active.Name}'s uplinks do not answer and {healthy.Name}'s do", cancellationToken);
    }

    private List<SwitchAgent> Joining()
    {
        lock (_lock)
            return _members.Where(_joining.ContainsKey).ToList();
    }

    // At start: the member that holds the virtual MAC, else the first in order once every connected member has joined
    // (or the grace has passed).
    private SwitchAgent? StartingMember()
    {
        var joining = Joining();
        if (joining.Count == 0)
            return null;
        if (joining.FirstOrDefault(m => m.HoldsVirtualMac) is { } holder)
            return holder;
        var everyoneIn = _members.Where(m => m.IsConnected).All(joining.Contains);
        return everyoneIn || _sinceFirstJoin.Elapsed >= StartupGrace ? joining.FirstOrDefault(m => m.UplinksUp != false) ?? joining[0] : null;
    }

    private SwitchAgent? Best(SwitchAgent exclude) =>
        _members.Where(m => m != exclude && Usable(m) && m.Role == SwitchRole.Standby).OrderBy(m => m.UplinksUp == false).FirstOrDefault();

    private void Assign(SwitchAgent member, SwitchRole role, Takeover? takeover)
    {
        TaskCompletionSource<SwitchRole>? decided;
        lock (_lock)
        {
            _joining.Remove(member, out decided);
            member.Role = role;
            if (role == SwitchRole.Active)
                _active = member;
            if (takeover is not null)
                _takeovers.Add(takeover);
        }
        if (takeover is not null)
            LogActive(_logger, Name, member.Name, takeover.Reason);
        decided?.TrySetResult(role);
    }

    private async Task TakeOverAsync(SwitchAgent from, SwitchAgent to, string reason, CancellationToken cancellationToken)
    {
        var took = Stopwatch.StartNew();
        LogTakingOver(_logger, Name, to.Name, from.Name, reason);
        // What the old active pinned before it went is still queued for its successor: written first.
        await DrainAsync(to, TimeSpan.FromMilliseconds(500), cancellationToken);
        _active = to;
        if (Usable(from) && from.IsReady)
        {
            try
            {
                await from.ChangeRoleAsync(SwitchRole.Standby, cancellationToken);
            }
            catch (Exception ex) when (ex is Offload.Grpc.RpcException or Offload.P4Runtime.Session.P4RuntimeWriteException or IOException)
            {
                LogYieldFailed(_logger, Name, from.Name, ex.Message);
            }
        }
        await to.ChangeRoleAsync(SwitchRole.Active, cancellationToken);
        var takeover = new Takeover(from.Name, to.Name, reason, DateTimeOffset.UtcNow, took.Elapsed);
        lock (_lock)
            _takeovers.Add(takeover);
        LogTookOver(_logger, Name, to.Name, took.Elapsed.TotalMilliseconds);
    }

    private async Task DrainAsync(SwitchAgent member, TimeSpan patience, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (_mirrors[member].Reader.Count > 0 && waited.Elapsed < patience)
            await Task.Delay(5, cancellationToken);
    }

    // One standby's operations, in order. While it is not a ready standby they wait; once it has left they are dropped
    // (it is given everything again when it rejoins).
    private async Task MirrorLoopAsync(SwitchAgent member, CancellationToken cancellationToken)
    {
        var reader = _mirrors[member].Reader;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                while (member.Role == SwitchRole.Standby && !member.IsReady)
                    await Task.Delay(10, cancellationToken);
                if (!reader.TryRead(out var operation))
                    continue;
                if (member.Role is not (SwitchRole.Standby or SwitchRole.Active) || !member.IsReady)
                    continue;
                try
                {
                    await operation(member);
                }
                catch (Exception ex) when (ex is Offload.Grpc.RpcException or Offload.P4Runtime.Session.P4RuntimeWriteException or IOException)
                {
                    LogMirrorFailed(_logger, Name, member.Name, ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "group {Group}: {Switch} is active: {Reason}")]
    private static partial void LogActive(ILogger logger, string group, string @switch, string reason);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "group {Group}: {Switch} is standby for {Active}; mirroring its connections")]
    private static partial void LogStandby(ILogger logger, string group, string @switch, string active);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Warning, Message = "group {Group}: {Switch} takes over from {From}: {Reason}")]
    private static partial void LogTakingOver(ILogger logger, string group, string @switch, string from, string reason);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Information, Message = "group {Group}: {Switch} is active ({Ms:0} ms)")]
    private static partial void LogTookOver(ILogger logger, string group, string @switch, double ms);

    [LoggerMessage(EventId = 1504, Level = LogLevel.Warning, Message = "group {Group}: {Switch} did not yield cleanly: {Error}")]
    private static partial void LogYieldFailed(ILogger logger, string group, string @switch, string error);

    [LoggerMessage(EventId = 1505, Level = LogLevel.Warning, Message = "group {Group}: mirroring onto {Switch} failed: {Error}")]
    private static partial void LogMirrorFailed(ILogger logger, string group, string @switch, string error);

    [LoggerMessage(EventId = 1506, Level = LogLevel.Warning, Message = "group {Group}: {Error}; deciding again")]
    private static partial void LogDecisionFailed(ILogger logger, string group, string error, Exception? exception);
}
