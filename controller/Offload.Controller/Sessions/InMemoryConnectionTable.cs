using System.Collections.Concurrent;
using Offload.Controller.Plumbing;

namespace Offload.Controller.Sessions;

/// <summary>The connection table in this process's memory, with a connection count per backend kept on the side.</summary>
public sealed class InMemoryConnectionTable(TimeProvider? time = null) : IConnectionTable
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<ConnectionKey, TrackedConnection> _connections = new();
    private readonly ConcurrentDictionary<int, int> _perBackend = new();

    public int Count => _connections.Count;

    public bool Open(ConnectionKey key, int vipId, int backendId)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (!_connections.TryAdd(key, new TrackedConnection(vipId, backendId, now, now)))
            return false;
        _perBackend.AddOrUpdate(backendId, 1, (_, n) => n + 1);
        return true;
    }

    public bool Close(ConnectionKey key, out TrackedConnection connection)
    {
        if (!_connections.TryRemove(key, out connection))
            return false;
        var backendId = connection.BackendId;
        if (_perBackend.AddOrUpdate(backendId, 0, (_, n) => n - 1) <= 0)
            _perBackend.TryRemove(new KeyValuePair<int, int>(backendId, 0));
        return true;
    }

    public bool TryGet(ConnectionKey key, out TrackedConnection connection) => _connections.TryGetValue(key, out connection);

    public void Seen(ConnectionKey key)
    {
        if (_connections.TryGetValue(key, out var connection))
            _connections.TryUpdate(key, connection with { LastSeenUnixMs = _time.GetUtcNow().ToUnixTimeMilliseconds() }, connection);
    }

    public IReadOnlySet<int> Backends => _perBackend.Where(p => p.Value > 0).Select(p => p.Key).ToHashSet();

    public IReadOnlyList<(ConnectionKey Key, TrackedConnection Connection)> Snapshot() => _connections.Select(p => (p.Key, p.Value)).ToList();
}
