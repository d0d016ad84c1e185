using System.Collections.Concurrent;
using Offload.Controller.Plumbing;

namespace Offload.Controller.Sessions;

/// <summary>
/// The connection table in this process's memory, with counts kept on the side: per backend every connection with
/// routes, per VIP the live ones (not those whose client has sent FIN or RST).
/// </summary>
public sealed class InMemoryConnectionTable(TimeProvider? time = null) : IConnectionTable
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<ConnectionKey, TrackedConnection> _connections = new();
    private readonly ConcurrentDictionary<int, int> _perBackend = new();
    private readonly ConcurrentDictionary<int, int> _perVip = new();

    public int Count => _connections.Count;

    public bool Open(ConnectionKey key, int vipId, int backendId, Splice splice = default)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (!_connections.TryAdd(key, new TrackedConnection(vipId, backendId, now, now, Splice: splice)))
            return false;
        Tally(_perBackend, backendId, +1);
        Tally(_perVip, vipId, +1);
        return true;
    }

    public bool Close(ConnectionKey key, out TrackedConnection connection)
    {
        if (!_connections.TryRemove(key, out connection))
            return false;
        Tally(_perBackend, connection.BackendId, -1);
        if (!connection.Closing)
            Tally(_perVip, connection.VipId, -1);
        return true;
    }

    public bool TryGet(ConnectionKey key, out TrackedConnection connection) => _connections.TryGetValue(key, out connection);

    public bool MarkClosing(ConnectionKey key, out TrackedConnection connection)
    {
        while (_connections.TryGetValue(key, out connection) && !connection.Closing)
        {
            if (_connections.TryUpdate(key, connection with { Closing = true }, connection))
            {
                Tally(_perVip, connection.VipId, -1);
                return true;
            }
        }
        return false;
    }

    public void Seen(ConnectionKey key)
    {
        if (_connections.TryGetValue(key, out var connection))
            _connections.TryUpdate(key, connection with { LastSeenUnixMs = _time.GetUtcNow().ToUnixTimeMilliseconds() }, connection);
    }

    public IReadOnlySet<int> Backends => _perBackend.Where(p => p.Value > 0).Select(p => p.Key).ToHashSet();

    public IReadOnlyDictionary<int, int> PerVip() => _perVip.Where(p => p.Value > 0).ToDictionary(p => p.Key, p => p.Value);

    private static void Tally(ConcurrentDictionary<int, int> counts, int id, int by)
    {
        if (counts.AddOrUpdate(id, by, (_, n) => n + by) <= 0)
            counts.TryRemove(new KeyValuePair<int, int>(id, 0));
    }

    public IReadOnlyList<(ConnectionKey Key, TrackedConnection Connection)> Snapshot() => _connections.Select(p => (p.Key, p.Value)).ToList();
}
