using System.Collections.Concurrent;
using System.Net;
using Offload.Controller.Configuration;
using Offload.Controller.Pipeline;
using Offload.Controller.Sessions;
using Offload.Grpc;
using Offload.P4Runtime.Schema;
using Offload.P4Runtime.Session;
using P4.V1;

namespace Offload.Controller.Plumbing;

/// <summary>
/// Plumbs one route per connection: the forward entry (client → VIP, pinned to its backend, aged by idle timeout)
/// and the reverse entry (backend → client, rewritten back to the VIP), written together in batches; and removes
/// both when the switch reports the forward entry idle. Writes go through the switch's <see cref="WritePipeline"/>, so a
/// caller can encode its next batch while one is on the wire. Writing an entry that exists, or deleting one that is
/// gone, is expected (digests and idle notifications repeat) and not an error.
/// </summary>
public sealed class ConnectionPlumber(P4RuntimeClient client, WritePipeline writes, P4InfoIndex p4Info, OffloadConfig config, TimeSpan idleTimeout,
    IConnectionTable? table = null, TimeSpan? closingIdleTimeout = null)
{
    private readonly ConnectionEncoder _encoder = new(p4Info);
    private readonly long _idleTimeoutNs = (long)idleTimeout.TotalNanoseconds;
    private readonly long _closingIdleTimeoutNs = (long)(closingIdleTimeout ?? TimeSpan.FromSeconds(10)).TotalNanoseconds;
    private volatile Dictionary<int, BackendEndpoint> _backends = Endpoints(config);
    private volatile Dictionary<(UInt128 Address, ushort Port, byte Protocol), int> _vipIds = VipIds(config);
    private volatile Dictionary<int, (UInt128 Address, ushort Port)> _vips = Vips(config);

    // A backend the configuration no longer names may still carry connections: the switch's backends entry says where it is.
    private readonly ConcurrentDictionary<int, BackendEndpoint> _switchEndpoints = new();

    /// <summary>Takes a new configuration; connections already pinned keep their entries.</summary>
    public void Update(OffloadConfig config)
    {
        _backends = Endpoints(config);
        _vips = Vips(config);
        _vipIds = VipIds(config);
    }

    public IConnectionTable Table { get; } = table ?? new InMemoryConnectionTable();

    /// <summary>Connections pinned so far and not yet forgotten.</summary>
    public int Count => Table.Count;

    /// <summary>Told the backend id of every connection pinned for the first time, and of every one forgotten: the load signal.</summary>
    public Action<int>? Opened { get; init; }
    public Action<int>? Closed { get; init; }

    /// <summary>
    /// A standby's copy of the connections: entries are written without an idle timeout (no packet passes a standby to
    /// keep them alive) and do not count as load. <see cref="SetMirroringAsync"/> switches it when the role changes.
    /// </summary>
    public bool Mirroring { get; private set; }

    /// <summary>Told what this plumber newly pinned, removed, or saw its client end: what a standby mirrors.</summary>
    public Action<IReadOnlyList<Connection>>? Pinned { get; set; }
    public Action<IReadOnlyList<ConnectionKey>>? Removed { get; set; }
    public Action<ConnectionKey>? Ending { get; set; }

    private void CountOpened(int backendId)
    {
        if (!Mirroring)
            Opened?.Invoke(backendId);
    }

    private void CountClosed(int backendId)
    {
        if (!Mirroring)
            Closed?.Invoke(backendId);
    }

    /// <summary>
    /// Turns mirroring on (the switch became a standby) or off (it became active): every tracked forward entry is
    /// rewritten with no idle timeout, or with its own (the closing one for a connection whose client ended it), and the
    /// connections stop or start counting as load.
    /// </summary>
    public async Task SetMirroringAsync(bool mirroring, CancellationToken cancellationToken = default)
    {
        if (Mirroring == mirroring && !_timeoutsUnknown)
            return;
        var updates = new List<Update>();
        foreach (var (key, connection) in Table.Snapshot())
        {
            var timeout = mirroring ? 0 : connection.Closing ? _closingIdleTimeoutNs : _idleTimeoutNs;
            updates.Add(P4RuntimeClient.Modify(new Entity { TableEntry = _encoder.Forward(key, connection.BackendId, timeout, connection.Splice) }));
            if (!connection.Closing && Mirroring != mirroring)
                (mirroring ? Closed : Opened)?.Invoke(connection.BackendId);
        }
        Mirroring = mirroring;
        foreach (var chunk in updates.Chunk(4096))
            ThrowUnless(await writes.WriteAsync(chunk, cancellationToken), StatusCode.NotFound);
        _timeoutsUnknown = false;
    }

    private volatile bool _timeoutsUnknown;

    /// <summary>
    /// The switch is out of reach and its connections are carried elsewhere (a standby took over): they stop counting
    /// as load here. What its entries' timeouts are is unknown until <see cref="SetMirroringAsync"/> writes them again.
    /// </summary>
    public void ReleaseLoad()
    {
        if (!Mirroring)
        {
            foreach (var (_, connection) in Table.Snapshot().Where(c => !c.Connection.Closing))
                Closed?.Invoke(connection.BackendId);
            Mirroring = true;
        }
        _timeoutsUnknown = true;
    }

    /// <summary>Backends that still carry pinned connections: their entries must outlive their removal from the configuration.</summary>
    public IReadOnlySet<int> LiveBackends => Table.Backends;

    public async Task<int> PinAsync(IReadOnlyList<Connection> connections, CancellationToken cancellationToken = default) =>
        await await StartPinAsync(connections, cancellationToken);

    /// <summary>
    /// Pins a connection's forward entry alone: the backend's packets keep coming to the controller (a multiplex
    /// VIP's endpoints punt) until <see cref="PinReverseAsync"/> writes the reverse entry.
    /// </summary>
    public async Task<int> PinForwardAsync(Connection connection, CancellationToken cancellationToken = default) =>
        await await StartPinAsync([connection], cancellationToken, withReverse: false);

    public async Task PinReverseAsync(Connection connection, CancellationToken cancellationToken = default)
    {
        if (!_backends.TryGetValue(connection.BackendId, out var backend) || !_vips.TryGetValue(connection.VipId, out var vip))
            return;
        var update = _encoder.ReverseInsert(ConnectionKey.Of(connection), backend, connection.BackendId, vip.Address, vip.Port, connection.Splice);
        var updates = new EncodedUpdates(1);
        updates.Add(update);
        ThrowUnless(await await writes.EnqueueAsync(updates, cancellationToken), StatusCode.AlreadyExists);
    }

    /// <summary>Encodes and queues the connections' entries; the task it returns completes (with how many were pinned) once they are written.</summary>
    /// <summary>Deletes a connection's reverse entry alone (a routed request connection moving to another backend, or ending).</summary>
    public async Task UnpinReverseAsync(Connection connection, CancellationToken cancellationToken = default)
    {
        if (Endpoint(connection.BackendId) is not { } backend)
            return;
        ThrowUnless(await writes.WriteAsync([P4RuntimeClient.Delete(new Entity { TableEntry = _encoder.ReverseKey(ConnectionKey.Of(connection), backend) })],
            cancellationToken), StatusCode.NotFound);
    }

    public async ValueTask<Task<int>> StartPinAsync(IReadOnlyList<Connection> connections, CancellationToken cancellationToken = default, bool withReverse = true)
    {
        var backends = _backends;
        var vips = _vips;
        var updates = new EncodedUpdates(connections.Count * 2);
        var pinned = new List<Connection>(connections.Count);
        foreach (var connection in connections.Distinct())
        {
            if (!backends.TryGetValue(connection.BackendId, out var backend) || !vips.TryGetValue(connection.VipId, out var vip))
                continue;
            var key = ConnectionKey.Of(connection);
            if (Table.TryGet(key, out var known) && known.BackendId == connection.BackendId)
            {
                Table.Seen(key);
                continue;
            }
            updates.Add(_encoder.ForwardInsert(key, connection.BackendId, Mirroring ? 0 : _idleTimeoutNs, connection.Splice));
            if (withReverse)
                updates.Add(_encoder.ReverseInsert(key, backend, connection.BackendId, vip.Address, vip.Port, connection.Splice));
            pinned.Add(connection);
        }
        if (updates.Count == 0)
            return Task.FromResult(0);
        var written = await writes.EnqueueAsync(updates, cancellationToken);
        return Track(written, pinned);
    }

    private async Task<int> Track(Task<WriteResult> written, List<Connection> pinned)
    {
        ThrowUnless(await written, StatusCode.AlreadyExists);
        var opened = Pinned is null ? null : new List<Connection>(pinned.Count);
        foreach (var connection in pinned)
        {
            if (!Table.Open(ConnectionKey.Of(connection), connection.VipId, connection.BackendId, connection.Splice))
                continue;
            CountOpened(connection.BackendId);
            opened?.Add(connection);
        }
        if (opened is { Count: > 0 })
            Pinned?.Invoke(opened);
        return pinned.Count;
    }

    /// <summary>What the switch says of each connection now: packets and bytes forwarded, and time since its last packet.</summary>
    public async Task<IReadOnlyDictionary<ConnectionKey, (long Packets, long Bytes, TimeSpan Idle)>> ReadLiveAsync(IEnumerable<ConnectionKey> keys,
        CancellationToken cancellationToken = default)
    {
        var requests = keys.Select(k =>
        {
            var entry = _encoder.ForwardKey(k);
            entry.CounterData = new CounterData();
            entry.TimeSinceLastHit = new TableEntry.Types.IdleTimeout();
            return new Entity { TableEntry = entry };
        }).ToList();
        var live = new Dictionary<ConnectionKey, (long, long, TimeSpan)>();
        if (requests.Count == 0)
            return live;
        await foreach (var entity in client.ReadAsync(requests, cancellationToken))
        {
            if (_encoder.Read(entity.TableEntry) is { } read)
                live[read.Key] = (entity.TableEntry.CounterData?.PacketCount ?? 0, entity.TableEntry.CounterData?.ByteCount ?? 0,
                    TimeSpan.FromMilliseconds((entity.TableEntry.TimeSinceLastHit?.ElapsedNs ?? 0) / 1e6));
        }
        return live;
    }

    /// <summary>Writes drop routes for denied connections; they age out like any connection.</summary>
    public async Task<int> DenyAsync(IReadOnlyList<Connection> connections, CancellationToken cancellationToken = default)
    {
        var updates = connections.Distinct().Select(c => P4RuntimeClient.Insert(new Entity { TableEntry = _encoder.Drop(ConnectionKey.Of(c), _idleTimeoutNs) })).ToList();
        ThrowUnless(await writes.WriteAsync(updates, cancellationToken), StatusCode.AlreadyExists);
        return updates.Count;
    }

    /// <summary>
    /// Connections whose client sent FIN or RST: each forward entry's idle timeout becomes the closing timeout (the last
    /// ACKs and a late retransmission still pass), and the connection stops counting as live for its backend.
    /// </summary>
    public async Task<int> CloseAsync(IEnumerable<ConnectionKey> keys, CancellationToken cancellationToken = default)
    {
        var updates = new List<Update>();
        foreach (var key in keys.Distinct())
        {
            if (!Table.MarkClosing(key, out var connection))
                continue;
            Ending?.Invoke(key);
            if (Mirroring)
                continue;
            updates.Add(P4RuntimeClient.Modify(new Entity { TableEntry = _encoder.Forward(key, connection.BackendId, _closingIdleTimeoutNs, connection.Splice) }));
            CountClosed(connection.BackendId);
        }
        if (updates.Count > 0)
            ThrowUnless(await writes.WriteAsync(updates, cancellationToken), StatusCode.NotFound);
        return updates.Count;
    }

    /// <summary>Deletes idle connections: the reported forward entries and their reverse entries.</summary>
    public Task<int> ForgetAsync(IEnumerable<TableEntry> idleForwardEntries, CancellationToken cancellationToken = default) =>
        RemoveAsync(idleForwardEntries.Select(_encoder.Read).OfType<(ConnectionKey Key, int BackendId, Splice Splice)>().Select(r => r.Key), cancellationToken);

    /// <summary>Deletes the routes of every connection pinned to a backend, so their clients reconnect elsewhere.</summary>
    public Task<int> RemoveBackendConnectionsAsync(int backendId, CancellationToken cancellationToken = default) =>
        RemoveAsync(Table.Snapshot().Where(c => c.Connection.BackendId == backendId).Select(c => c.Key).ToList(), cancellationToken);

    /// <summary>Deletes the routes of these connections (what the active switch of a group forgot, on a standby).</summary>
    public async Task<int> RemoveAsync(IEnumerable<ConnectionKey> keys, CancellationToken cancellationToken)
    {
        var updates = new List<Update>();
        var removed = new List<ConnectionKey>();
        foreach (var key in keys)
        {
            updates.Add(P4RuntimeClient.Delete(new Entity { TableEntry = _encoder.ForwardKey(key) }));
            if (Table.Close(key, out var connection))
            {
                if (Endpoint(connection.BackendId) is { } backend)
                    updates.Add(P4RuntimeClient.Delete(new Entity { TableEntry = _encoder.ReverseKey(key, backend) }));
                if (!connection.Closing)
                    CountClosed(connection.BackendId);
            }
            removed.Add(key);
        }
        ThrowUnless(await writes.WriteAsync(updates, cancellationToken), StatusCode.NotFound);
        if (removed.Count > 0)
            Removed?.Invoke(removed);
        return removed.Count;
    }

    /// <summary>
    /// Learns the connections a switch already holds (after a controller restart or a reload): each forward entry's
    /// backend and the reverse entry that goes with it. Reverse entries left without a forward entry are deleted, and
    /// tracked connections the switch no longer holds (it restarted) are forgotten.
    /// </summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken = default)
    {
        Entity WholeTable(string name) => OffloadP4.WholeTable(p4Info, name);
        var backendsTable = p4Info.Tables[OffloadP4.Backends].Preamble.Id;
        var forwards = new List<TableEntry>();
        var reverses = new Dictionary<string, TableEntry>(StringComparer.Ordinal);
        await foreach (var entity in client.ReadAsync([WholeTable(OffloadP4.Backends), WholeTable(OffloadP4.ConnV4), WholeTable(OffloadP4.ConnV6),
            WholeTable(OffloadP4.ReverseConnV4), WholeTable(OffloadP4.ReverseConnV6)], cancellationToken))
        {
            var entry = entity.TableEntry;
            if (entry.TableId == backendsTable)
                RememberEndpoint(entry);
            else if (_encoder.ForwardTables.Contains(entry.TableId))
                forwards.Add(entry);
            else
                reverses[Reconciler.Key(entry)] = Reconciler.KeyOnly(entry);
        }
        var held = new HashSet<ConnectionKey>();
        foreach (var forward in forwards)
        {
            if (_encoder.Read(forward) is not { BackendId: > 0 } read || Endpoint(read.BackendId) is not { } backend)
                continue;
            reverses.Remove(Reconciler.Key(_encoder.ReverseKey(read.Key, backend)));
            held.Add(read.Key);
            if (Table.Open(read.Key, _vipIds.GetValueOrDefault((read.Key.Vip, read.Key.VipPort, read.Key.Protocol)), read.BackendId, read.Splice))
                CountOpened(read.BackendId);
        }
        // A switch that restarted lost what it held: connections tracked from before are gone.
        foreach (var (key, _) in Table.Snapshot().Where(c => !held.Contains(c.Key)))
        {
            if (Table.Close(key, out var lost) && !lost.Closing)
                CountClosed(lost.BackendId);
        }
        ThrowUnless(await writes.WriteAsync(reverses.Values.Select(r => P4RuntimeClient.Delete(new Entity { TableEntry = r })).ToList(),
            cancellationToken), StatusCode.NotFound);
        return Table.Count;
    }

    private void RememberEndpoint(TableEntry entry)
    {
        if (entry.Action?.Action is not { Params.Count: 2 } action)
            return;
        var id = (int)ConnectionEncoder.ToUInt128(entry.Match[0].Exact.Value);
        _switchEndpoints[id] = new BackendEndpoint(ConnectionEncoder.ToUInt128(action.Params[0].Value), (ushort)ConnectionEncoder.ToUInt128(action.Params[1].Value));
    }

    private BackendEndpoint? Endpoint(int backendId) =>
        _backends.TryGetValue(backendId, out var backend) ? backend
        : _switchEndpoints.TryGetValue(backendId, out var endpoint) ? endpoint : null;

    private static Dictionary<int, BackendEndpoint> Endpoints(OffloadConfig config) =>
        config.Backends.ToDictionary(b => b.Id, b => new BackendEndpoint(Addresses.ToNumber(b.Address), b.Port));

    private static Dictionary<int, (UInt128, ushort)> Vips(OffloadConfig config) =>
        config.Vips.ToDictionary(v => v.Id, v => (Addresses.ToNumber(v.Address), v.Port));

    private static Dictionary<(UInt128, ushort, byte), int> VipIds(OffloadConfig config) =>
        config.Vips.ToDictionary(v => (Addresses.ToNumber(v.Address), v.Port, (byte)v.Protocol), v => v.Id);


    private static void ThrowUnless(WriteResult result, StatusCode tolerated)
    {
        if (result.Failures.Any(f => f.Code != tolerated))
            result.ThrowIfFailed();
    }
}
