using System.Globalization;
using System.Net;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Offload.Controller.Cluster;
using Offload.Controller.Plumbing;

namespace Offload.Controller.Sessions;

/// <summary>
/// The connection table in memory, replicated to etcd so that a replacement switch, or a controller that takes over,
/// can be rebuilt from it. Reads are from memory; each change (a connection opened, ending, closed) is queued and
/// written in transactions of up to 128 operations, the newest change of a key winning. The records hang on a lease
/// this table keeps alive: they outlive a controller that dies by the lease's TTL. Nothing on the connection path
/// waits for etcd: while it cannot be reached the changes wait, and are written once it is back.
/// </summary>
/// <remarks>
/// A record: /offload/connections/SCOPE/4/CLIENT/CLIENTPORT/VIP/VIPPORT/PROTOCOL → "VIPID BACKENDID CREATEDMS SEENMS CLOSING",
/// and " SEQDELTA ACKDELTA" for a spliced connection, where SCOPE is the switch, or its active/standby group.
/// </remarks>
public sealed partial class ReplicatedConnectionTable(EtcdClient etcd, string scope, TimeSpan ttl, ILogger logger, TimeProvider? time = null)
    : IConnectionTable, IAsyncDisposable
{
    private readonly InMemoryConnectionTable _inner = new(time);
    private readonly EtcdWriteBehind<ConnectionKey> _writes = new(etcd, key => PrefixOf(scope) + Format(key, default).Key);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _prefix = PrefixOf(scope);

    private static string PrefixOf(string scope) => $"/offload/connections/{scope}/";
    private Task? _run;
    private volatile bool _replicating = true;
    private long _failures;

    public string Prefix => _prefix;

    /// <summary>Records written to etcd (puts and deletes) since the start, and writes that failed.</summary>
    public long Written => _writes.Written;
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Changes waiting to be written.</summary>
    public int Pending => _writes.Pending;

    /// <summary>
    /// Whether changes are written (the table of the switch that carries the traffic). Turned on, every tracked
    /// connection is written again, so the records hang on this table's lease.
    /// </summary>
    public bool Replicating
    {
        get => _replicating;
        set
        {
            if (value && !_replicating)
            {
                _replicating = true;
                foreach (var (key, connection) in _inner.Snapshot())
                    Queue(key, connection);
                return;
            }
            _replicating = value;
        }
    }

    public int Count => _inner.Count;
    public IReadOnlySet<int> Backends => _inner.Backends;
    public IReadOnlyDictionary<int, int> PerVip() => _inner.PerVip();
    public IReadOnlyList<(ConnectionKey Key, TrackedConnection Connection)> Snapshot() => _inner.Snapshot();
    public bool TryGet(ConnectionKey key, out TrackedConnection connection) => _inner.TryGet(key, out connection);
    public void Seen(ConnectionKey key) => _inner.Seen(key);

    public bool Open(ConnectionKey key, int vipId, int backendId, Splice splice = default)
    {
        if (!_inner.Open(key, vipId, backendId, splice))
            return false;
        if (_inner.TryGet(key, out var connection))
            Queue(key, connection);
        return true;
    }

    public bool Close(ConnectionKey key, out TrackedConnection connection)
    {
        if (!_inner.Close(key, out connection))
            return false;
        Queue(key, null);
        return true;
    }

    public bool MarkClosing(ConnectionKey key, out TrackedConnection connection)
    {
        if (!_inner.MarkClosing(key, out connection))
            return false;
        Queue(key, connection with { Closing = true, LastSeenUnixMs = (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds() });
        return true;
    }

    private void Queue(ConnectionKey key, TrackedConnection? connection)
    {
        if (!_replicating)
            return;
        if (connection is { } tracked)
            _writes.Put(key, ByteString.CopyFromUtf8(Format(key, tracked).Value));
        else
            _writes.Delete(key);
    }

    /// <summary>Starts writing: takes a lease, keeps it alive, and writes the queued changes until disposed.</summary>
    public void Start() => _run ??= RunAsync(_stop.Token);

    /// <summary>Every record of this scope in etcd: what a replacement switch is rebuilt from.</summary>
    public async Task<IReadOnlyList<(ConnectionKey Key, TrackedConnection Connection)>> LoadAsync(CancellationToken cancellationToken = default)
    {
        var records = new List<(ConnectionKey, TrackedConnection)>();
        await foreach (var (key, value) in etcd.ReadPrefixAsync(_prefix, cancellationToken: cancellationToken))
        {
            if (Parse(key[_prefix.Length..], value.ToStringUtf8()) is { } record)
                records.Add(record);
            else
                LogUnreadable(logger, key);
        }
        return records;
    }

    /// <summary>How a connection's record is keyed (relative to the scope's prefix) and what it holds.</summary>
    public static (string Key, string Value) Format(ConnectionKey key, TrackedConnection connection) =>
        ($"{key.IpVersion}/{Addresses.ToAddress(key.IpVersion, key.Client)}/{key.ClientPort}/{Addresses.ToAddress(key.IpVersion, key.Vip)}/{key.VipPort}/{key.Protocol}",
         string.Create(CultureInfo.InvariantCulture, $"{connection.VipId} {connection.BackendId} {connection.CreatedUnixMs} {connection.LastSeenUnixMs} {(connection.Closing ? 1 : 0)}")
         + (connection.Splice.IsNone ? "" : string.Create(CultureInfo.InvariantCulture, $" {connection.Splice.SeqDelta} {connection.Splice.AckDelta}")));

    public static (ConnectionKey Key, TrackedConnection Connection)? Parse(string key, string value)
    {
        var k = key.Split('/');
        var v = value.Split(' ');
        var splice = default(Splice);
        if (v.Length == 7 && uint.TryParse(v[5], out var seq) && uint.TryParse(v[6], out var ack))
            (splice, v) = (new Splice(seq, ack), v[..5]);
        if (k.Length != 6 || v.Length != 5 || !byte.TryParse(k[0], out var version) || version is not (4 or 6)
            || !IPAddress.TryParse(k[1], out var client) || !ushort.TryParse(k[2], out var clientPort)
            || !IPAddress.TryParse(k[3], out var vip) || !ushort.TryParse(k[4], out var vipPort) || !byte.TryParse(k[5], out var protocol)
            || !int.TryParse(v[0], out var vipId) || !int.TryParse(v[1], out var backendId) || !long.TryParse(v[2], out var created)
            || !long.TryParse(v[3], out var seen) || v[4] is not ("0" or "1"))
            return null;
        return (new ConnectionKey(version, Addresses.ToNumber(client), Addresses.ToNumber(vip), protocol, clientPort, vipPort),
            new TrackedConnection(vipId, backendId, created, seen, v[4] == "1", splice));
    }

    private long _lease;
    private Task _keepAlive = Task.CompletedTask;
    private string? _lastProblem;

    private Task RunAsync(CancellationToken cancellationToken) => _writes.RunAsync(LeaseAsync, ex =>
    {
        if (ex is null)
        {
            LogBack(logger, scope, Pending);
            _lastProblem = null;
            return;
        }
        Interlocked.Increment(ref _failures);
        if (ex.Message.Contains("lease not found", StringComparison.Ordinal))
            _lease = 0;
        if (_lastProblem != ex.Message)
            LogProblem(logger, scope, ex.Message, Pending);
        _lastProblem = ex.Message;
    }, cancellationToken);

    // One lease kept alive for the table; when it is gone, a new one, and every tracked connection written again on it.
    private async Task<long> LeaseAsync(CancellationToken cancellationToken)
    {
        if (_lease != 0 && !_keepAlive.IsCompleted)
            return _lease;
        var lease = _lease = await etcd.GrantLeaseAsync(ttl, cancellationToken);
        _keepAlive = etcd.KeepAliveAsync(lease, TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(200).Ticks, ttl.Ticks / 3)), cancellationToken);
        if (Written > 0)
        {
            foreach (var (key, connection) in _inner.Snapshot())
                Queue(key, connection);
        }
        return lease;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_run is { } run)
            await run.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [LoggerMessage(EventId = 1430, Level = LogLevel.Warning, Message = "connection table {Scope}: etcd: {Error}; {Pending} change(s) wait")]
    private static partial void LogProblem(ILogger logger, string scope, string error, int pending);

    [LoggerMessage(EventId = 1431, Level = LogLevel.Information, Message = "connection table {Scope}: etcd is back; {Pending} change(s) still to write")]
    private static partial void LogBack(ILogger logger, string scope, int pending);

    [LoggerMessage(EventId = 1432, Level = LogLevel.Warning, Message = "connection table: unreadable record {Key} left alone")]
    private static partial void LogUnreadable(ILogger logger, string key);
}
