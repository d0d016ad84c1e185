using Etcdserverpb;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Offload.Grpc;
using Offload.Grpc.Client;
using Offload.P4Runtime.Session;
using V3Electionpb;

namespace Offload.Controller.Cluster;

/// <summary>
/// A lease-based election in etcd (v3election, etcd ≥ 3.3): a candidate holds a lease, kept alive while it runs, and
/// campaigns under a name; the winner's leader key revision grows with every new leader, so it serves as the
/// P4Runtime election id and a deposed leader's older id is refused by the switch. When the candidate dies its
/// keepalives stop, the lease expires after its TTL, and the next candidate in line wins.
/// </summary>
public sealed partial class EtcdElection : IAsyncDisposable
{
    private static readonly Method<CampaignRequest, CampaignResponse> Campaign =
        new(MethodType.Unary, "v3electionpb.Election", "Campaign", CampaignRequest.Parser, CampaignResponse.Parser);
    private static readonly Method<ResignRequest, ResignResponse> ResignMethod =
        new(MethodType.Unary, "v3electionpb.Election", "Resign", ResignRequest.Parser, ResignResponse.Parser);

    private readonly GrpcChannel _channel;
    private readonly string _name;
    private readonly string _candidate;
    private readonly TimeSpan _ttl;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private long _lease;
    private Task? _keepAlive;
    private LeaderKey? _leader;
    private int _disposed;

    /// <param name="name">what is elected, e.g. offload/switch/s1</param>
    /// <param name="candidate">this candidate, as the leader key's value says (the controller's name)</param>
    /// <param name="ttl">how long the lease outlives its last keepalive (etcd's minimum is about a second)</param>
    public EtcdElection(GrpcChannel channel, string name, string candidate, TimeSpan ttl, ILogger logger)
    {
        _channel = channel;
        _name = name;
        _candidate = candidate;
        _ttl = ttl;
        _logger = logger;
    }

    public bool IsLeader => _leader is not null && _keepAlive is { IsCompleted: false };

    /// <summary>Raised once when the lease can no longer be kept alive: this candidate may no longer be the leader.</summary>
    public event Action? LeadershipLost;

    /// <summary>Takes a lease, keeps it alive, and waits until this candidate leads; returns the leader key's revision as an election id.</summary>
    public async Task<ElectionId> CampaignAsync(CancellationToken cancellationToken = default)
    {
        _lease = await new EtcdClient(_channel).GrantLeaseAsync(_ttl, cancellationToken);
        _keepAlive = KeepAliveAsync(_stop.Token);
        var response = await _channel.UnaryAsync(Campaign, new CampaignRequest
        {
            Name = ByteString.CopyFromUtf8(_name), Lease = _lease, Value = ByteString.CopyFromUtf8(_candidate),
        }, new CallOptions(CancellationToken: cancellationToken));
        _leader = response.Leader;
        LogElected(_logger, _name, _candidate, response.Leader.Rev);
        return new ElectionId(0, (ulong)response.Leader.Rev);
    }

    /// <summary>Gives the leadership up at once (the next candidate need not wait for the lease to expire).</summary>
    public async Task ResignAsync(CancellationToken cancellationToken = default)
    {
        if (_leader is { } leader)
            await _channel.UnaryAsync(ResignMethod, new ResignRequest { Leader = leader }, new CallOptions(CancellationToken: cancellationToken));
        _leader = null;
    }

    private async Task KeepAliveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await new EtcdClient(_channel).KeepAliveAsync(_lease, TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, _ttl.Ticks / 3)), cancellationToken);
        }
        catch (Exception ex) when (ex is RpcException or IOException && !cancellationToken.IsCancellationRequested)
        {
            LogLost(_logger, _name, _candidate, ex.Message);
            _leader = null;
            LeadershipLost?.Invoke();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        _stop.Cancel();
        if (_keepAlive is { } keepAlive)
            await keepAlive.ContinueWith(_ => { }, TaskScheduler.Default);
        _leader = null;
    }

    [LoggerMessage(EventId = 1420, Level = LogLevel.Information, Message = "etcd election {Name}: {Candidate} leads, revision {Revision}")]
    private static partial void LogElected(ILogger logger, string name, string candidate, long revision);

    [LoggerMessage(EventId = 1421, Level = LogLevel.Warning, Message = "etcd election {Name}: {Candidate} lost its lease: {Reason}")]
    private static partial void LogLost(ILogger logger, string name, string candidate, string reason);
}
