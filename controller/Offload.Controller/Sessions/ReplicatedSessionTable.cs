using System.Globalization;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Offload.Controller.Cluster;

namespace Offload.Controller.Sessions;

/// <summary>
/// The affinity table in memory, replicated to etcd so that a controller taking over knows which backend each session
/// (a client, a TLS session id or ticket) belongs to. Each bind is written behind, the newest per session winning, on
/// a lease of the affinity timeout plus a minute that is replaced every minute: a record outlives its last use by the
/// timeout, give or take a minute, with no keepalive. <see cref="ReloadAsync"/> reads every record back (at start, and
/// when the controller becomes a switch's primary).
/// </summary>
/// <remarks>A record: /offload/sessions/VIPID/KIND/HIGHLOW (32 hex digits each) → "BACKENDID".</remarks>
public sealed partial class ReplicatedSessionTable(EtcdClient etcd, TimeSpan timeout, ILogger logger, TimeProvider? time = null) : ISessionTable, IAsyncDisposable
{
    public const string Prefix = "/offload/sessions/";
    private static readonly TimeSpan LeaseRotation = TimeSpan.FromMinutes(1);
    private readonly InMemorySessionTable _inner = new(time ?? TimeProvider.System, timeout);
    private readonly EtcdWriteBehind<SessionKey> _writes = new(etcd, session => Prefix + Format(session));
    private readonly CancellationTokenSource _stop = new();
    private Task? _run;

    public int Count => _inner.Count;
    public int? Lookup(SessionKey session) => _inner.Lookup(session);
    public int Expire() => _inner.Expire();

    public void Bind(SessionKey session, int backendId)
    {
        _inner.Bind(session, backendId);
        _writes.Put(session, ByteString.CopyFromUtf8(backendId.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>Binds written to etcd so far, and binds waiting.</summary>
    public long Written => _writes.Written;

    public int Pending => _writes.Pending;

    public void Start() => _run ??= RunAsync(_stop.Token);

    /// <summary>Takes every session etcd holds that this table lacks; how many.</summary>
    public async Task<int> ReloadAsync(CancellationToken cancellationToken = default)
    {
        var taken = 0;
        await foreach (var (key, value) in etcd.ReadPrefixAsync(Prefix, cancellationToken: cancellationToken))
        {
            if (Parse(key[Prefix.Length..]) is { } session && int.TryParse(value.ToStringUtf8(), NumberStyles.None, CultureInfo.InvariantCulture, out var backend)
                && _inner.Lookup(session) is null)
            {
                _inner.Bind(session, backend);
                taken++;
            }
        }
        return taken;
    }

    public static string Format(SessionKey session) =>
        string.Create(CultureInfo.InvariantCulture, $"{session.VipId}/{(int)session.Kind}/{session.High:x32}{session.Low:x32}");

    public static SessionKey? Parse(string key)
    {
        var parts = key.Split('/');
        return parts.Length == 3 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var vip)
               && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kind) && Enum.IsDefined((SessionKind)kind) && parts[2].Length == 64
               && UInt128.TryParse(parts[2][..32], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var high)
               && UInt128.TryParse(parts[2][32..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var low)
            ? new SessionKey(vip, (SessionKind)kind, high, low)
            : null;
    }

    private (long Id, DateTimeOffset At) _lease = (0, DateTimeOffset.MinValue);
    private string? _lastProblem;

    private Task RunAsync(CancellationToken cancellationToken) => _writes.RunAsync(LeaseAsync, ex =>
    {
        if (ex is not null && _lastProblem != ex.Message)
            LogProblem(logger, ex.Message, Pending);
        if (ex is not null)
            _lease = (0, DateTimeOffset.MinValue);
        _lastProblem = ex?.Message;
    }, cancellationToken);

    // A new lease every minute: a record put on it lives the timeout and at most a minute more past its last bind.
    private async Task<long> LeaseAsync(CancellationToken cancellationToken)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow();
        if (now - _lease.At > LeaseRotation)
            _lease = (await etcd.GrantLeaseAsync(timeout + LeaseRotation, cancellationToken), now);
        return _lease.Id;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_run is { } run)
            await run.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [LoggerMessage(EventId = 1435, Level = LogLevel.Warning, Message = "session table: etcd: {Error}; {Pending} bind(s) wait")]
    private static partial void LogProblem(ILogger logger, string error, int pending);
}
