using Offload.Controller.Plumbing;

namespace Offload.Controller.Sessions;

/// <summary>
/// A pinned connection as the controller tracks it: where it goes, since when, when it was last heard of, and whether
/// its client has sent FIN or RST (it keeps its routes until they age out, but no longer counts as live).
/// </summary>
public readonly record struct TrackedConnection(int VipId, int BackendId, long CreatedUnixMs, long LastSeenUnixMs, bool Closing = false, Splice Splice = default);

/// <summary>
/// The connections one switch carries, connection → backend: what the controller knows without asking the switch.
/// In memory here; a replicated implementation lets a standby switch rebuild every connection after a failover.
/// </summary>
public interface IConnectionTable
{
    int Count { get; }

    /// <summary>Tracks a newly pinned connection; false (and no change) when it is tracked already.</summary>
    bool Open(ConnectionKey key, int vipId, int backendId, Splice splice = default);

    /// <summary>Stops tracking a connection that ended; false when it was not tracked.</summary>
    bool Close(ConnectionKey key, out TrackedConnection connection);

    bool TryGet(ConnectionKey key, out TrackedConnection connection);

    /// <summary>Marks a tracked connection as ending (its client sent FIN or RST); false when untracked or marked already.</summary>
    bool MarkClosing(ConnectionKey key, out TrackedConnection connection);

    /// <summary>Notes that the switch reported the connection again (a repeated digest, a packet-in).</summary>
    void Seen(ConnectionKey key);

    /// <summary>Backends that carry at least one tracked connection.</summary>
    IReadOnlySet<int> Backends { get; }

    /// <summary>Tracked connections per VIP id, without walking the table.</summary>
    IReadOnlyDictionary<int, int> PerVip();

    /// <summary>A copy of every tracked connection.</summary>
    IReadOnlyList<(ConnectionKey Key, TrackedConnection Connection)> Snapshot();
}
