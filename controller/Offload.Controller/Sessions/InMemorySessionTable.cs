using System.Collections.Concurrent;

namespace Offload.Controller.Sessions;

/// <summary>The session table in this process's memory; a lookup of an expired session forgets it.</summary>
public sealed class InMemorySessionTable(TimeProvider time, TimeSpan timeout) : ISessionTable
{
    private readonly ConcurrentDictionary<SessionKey, (int Backend, long Seen)> _sessions = new();

    public int Count => _sessions.Count;

    public int? Lookup(SessionKey session)
    {
        if (!_sessions.TryGetValue(session, out var entry))
            return null;
        if (time.GetElapsedTime(entry.Seen) <= timeout)
            return entry.Backend;
        _sessions.TryRemove(new KeyValuePair<SessionKey, (int, long)>(session, entry));
        return null;
    }

    public void Bind(SessionKey session, int backendId) => _sessions[session] = (backendId, time.GetTimestamp());

    public int Expire()
    {
        var expired = 0;
        foreach (var entry in _sessions)
        {
            if (time.GetElapsedTime(entry.Value.Seen) > timeout && _sessions.TryRemove(entry))
                expired++;
        }
        return expired;
    }
}
