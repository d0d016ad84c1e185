using System.Collections.Concurrent;
using System.Net;
using Offload.Controller.Configuration;
using Offload.Controller.Pipeline;
using Offload.Grpc;
using Offload.P4Runtime.Schema;
using Offload.P4Runtime.Session;
using P4.V1;

namespace Offload.Controller.Plumbing;

/// <summary>
/// Plumbs one route per connection: the forward entry (client → VIP, pinned to its backend, aged by idle timeout)
/// and the reverse entry (backend → client, rewritten back to the VIP), written together in batches; and removes
/// both when the switch reports the forward entry idle. Writing an entry that exists, or deleting one that is
/// gone, is expected (digests and idle notifications repeat) and not an error.
/// </summary>
public sealed class ConnectionPlumber(P4RuntimeClient client, P4InfoIndex p4Info, OffloadConfig config, TimeSpan idleTimeout)
{
    private readonly ConnectionEncoder _encoder = new(p4Info);
    private readonly long _idleTimeoutNs = (long)idleTimeout.TotalNanoseconds;
    private volatile Dictionary<int, BackendEndpoint> _backends = Endpoints(config);
    private volatile Dictionary<int, (UInt128 Address, ushort Port)> _vips = Vips(config);
    private readonly ConcurrentDictionary<ConnectionKey, int> _pinned = new();

    // A backend the configuration no longer names may still carry connections: the switch's backends entry says where it is.
    private readonly ConcurrentDictionary<int, BackendEndpoint> _switchEndpoints = new();

    /// <summary>Takes a new configuration; connections already pinned keep their entries.</summary>
    public void Update(OffloadConfig config)
    {
        _backends = Endpoints(config);
        _vips = Vips(config);
    }

    /// <summary>Connections pinned so far and not yet forgotten.</summary>
    public int Count => _pinned.Count;

    /// <summary>Told the backend id of every connection pinned for the first time, and of every one forgotten: the load signal.</summary>
    public Action<int>? Opened { get; init; }
    public Action<int>? Closed { get; init; }

    /// <summary>A snapshot of the pinned connections and their backends.</summary>
    public IReadOnlyList<(ConnectionKey Key, int BackendId)> Snapshot() => _pinned.Select(p => (p.Key, p.Value)).ToList();

    /// <summary>Backends that still carry pinned connections: their entries must outlive their removal from the configuration.</summary>
    public IReadOnlySet<int> LiveBackends => _pinned.Values.ToHashSet();

    public async Task<int> PinAsync(IReadOnlyList<Connection> connections, CancellationToken cancellationToken = default)
    {
        var backends = _backends;
        var vips = _vips;
        var updates = new List<Update>(connections.Count * 2);
        var pinned = new List<(ConnectionKey Key, int BackendId)>(connections.Count);
        foreach (var connection in connections.Distinct())
        {
            if (!backends.TryGetValue(connection.BackendId, out var backend) || !vips.TryGetValue(connection.VipId, out var vip))
                continue;
            var key = ConnectionKey.Of(connection);
            updates.Add(P4RuntimeClient.Insert(new Entity { TableEntry = _encoder.Forward(key, connection.BackendId, _idleTimeoutNs) }));
            updates.Add(P4RuntimeClient.Insert(new Entity { TableEntry = _encoder.Reverse(key, backend, connection.BackendId, vip.Address, vip.Port) }));
            pinned.Add((key, connection.BackendId));
        }
        if (updates.Count == 0)
            return 0;
        ThrowUnless(await client.WriteAsync(updates, cancellationToken: cancellationToken), StatusCode.AlreadyExists);
        foreach (var (key, backendId) in pinned)
        {
            if (_pinned.TryAdd(key, backendId))
                Opened?.Invoke(backendId);
        }
        return pinned.Count;
    }

    /// <summary>Writes drop routes for denied connections; they age out like any connection.</summary>
    public async Task<int> DenyAsync(IReadOnlyList<Connection> connections, CancellationToken cancellationToken = default)
    {
        var updates = connections.Distinct().Select(c => P4RuntimeClient.Insert(new Entity { TableEntry = _encoder.Drop(ConnectionKey.Of(c), _idleTimeoutNs) })).ToList();
        if (updates.Count > 0)
            ThrowUnless(await client.WriteAsync(updates, cancellationToken: cancellationToken), StatusCode.AlreadyExists);
        return updates.Count;
    }

    /// <summary>Deletes idle connections: the reported forward entries and their reverse entries.</summary>
    public async Task<int> ForgetAsync(IEnumerable<TableEntry> idleForwardEntries, CancellationToken cancellationToken = default)
    {
        var updates = new List<Update>();
        var forgotten = 0;
        foreach (var entry in idleForwardEntries)
        {
            if (_encoder.Read(entry) is not { } read)
                continue;
            updates.Add(P4RuntimeClient.Delete(new Entity { TableEntry = _encoder.ForwardKey(read.Key) }));
            if (_pinned.TryRemove(read.Key, out var backendId))
            {
                if (Endpoint(backendId) is { } backend)
                    updates.Add(P4RuntimeClient.Delete(new Entity { TableEntry = _encoder.ReverseKey(read.Key, backend) }));
                Closed?.Invoke(backendId);
            }
            forgotten++;
        }
        if (updates.Count > 0)
            ThrowUnless(await client.WriteAsync(updates, cancellationToken: cancellationToken), StatusCode.NotFound);
        return forgotten;
    }

    /// <summary>
    /// Learns the connections a switch already holds (after a controller restart or a reload): each forward entry's
    /// backend and the reverse entry that goes with it. Reverse entries left without a forward entry are deleted.
    /// </summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken = default)
    {
        Entity Table(string name) => new() { TableEntry = new TableEntry { TableId = p4Info.Tables[name].Preamble.Id } };
        var backendsTable = p4Info.Tables[OffloadP4.Backends].Preamble.Id;
        var forwards = new List<TableEntry>();
        var reverses = new Dictionary<string, TableEntry>(StringComparer.Ordinal);
        await foreach (var entity in client.ReadAsync([Table(OffloadP4.Backends), Table(OffloadP4.ConnV4), Table(OffloadP4.ConnV6),
            Table(OffloadP4.ReverseConnV4), Table(OffloadP4.ReverseConnV6)], cancellationToken))
        {
            var entry = entity.TableEntry;
            if (entry.TableId == backendsTable)
                RememberEndpoint(entry);
            else if (_encoder.ForwardTables.Contains(entry.TableId))
                forwards.Add(entry);
            else
                reverses[Reconciler.Key(entry)] = Reconciler.KeyOnly(entry);
        }
        foreach (var forward in forwards)
        {
            if (_encoder.Read(forward) is not { BackendId: > 0 } read || Endpoint(read.BackendId) is not { } backend)
                continue;
            reverses.Remove(Reconciler.Key(_encoder.ReverseKey(read.Key, backend)));
            if (_pinned.TryAdd(read.Key, read.BackendId))
                Opened?.Invoke(read.BackendId);
        }
        if (reverses.Count > 0)
            ThrowUnless(await client.WriteAsync(reverses.Values.Select(r => P4RuntimeClient.Delete(new Entity { TableEntry = r })).ToList(),
                cancellationToken: cancellationToken), StatusCode.NotFound);
        return _pinned.Count;
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


    private static void ThrowUnless(WriteResult result, StatusCode tolerated)
    {
        if (result.Failures.Any(f => f.Code != tolerated))
            result.ThrowIfFailed();
    }
}
