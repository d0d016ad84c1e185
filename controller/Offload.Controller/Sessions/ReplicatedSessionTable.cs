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

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var (lease, leasedAt) = (0L, DateTimeOffset.MinValue);
        var clock = time ?? TimeProvider.System;
        string? lastProblem = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _writes.Changed.WaitAsync(TimeSpan.FromMilliseconds(200), cancellationToken);
                if (Pending == 0)
                    continue;
                if (clock.GetUtcNow() - leasedAt > LeaseRotation)
                    (lease, leasedAt) = (await etcd.GrantLeaseAsync(timeout + LeaseRotation, cancellationToken), clock.GetUtcNow());
                await _writes.FlushAsync(lease, cancellationToken);
                lastProblem = null;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is Offload.Grpc.RpcException or IOException or OperationCanceledException)
            {
                leasedAt = DateTimeOffset.MinValue;
                if (lastProblem != ex.Message)
                    LogProblem(logger, ex.Message, Pending);
                lastProblem = ex.Message;
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
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
