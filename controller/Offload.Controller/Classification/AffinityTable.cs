using System.Collections.Concurrent;

namespace Offload.Controller.Classification;

/// <summary>
/// Source-IP affinity: a client's new connections go where its last one went, for as long as that backend is still
/// a candidate and the client was seen within the timeout.
/// </summary>
public sealed class AffinityTable(TimeProvider time, TimeSpan timeout)
{
    private readonly ConcurrentDictionary<(int Vip, UInt128 Client), (int Backend, long Seen)> _clients = new();

    public int Count => _clients.Count;

    public int? Lookup(int vipId, UInt128 client)
    {
        if (!_clients.TryGetValue((vipId, client), out var entry))
            return null;
        if (time.GetElapsedTime(entry.Seen) <= timeout)
            return entry.Backend;
        _clients.TryRemove((vipId, client), out _);
        return null;
    }

    public void Remember(int vipId, UInt128 client, int backendId) =>
        _clients[(vipId, client)] = (backendId, time.GetTimestamp());
}
