using Google.Protobuf;
using Offload.Controller.Pipeline;
using Offload.P4Runtime.Schema;
using Offload.P4Runtime.Session;
using P4.V1;

namespace Offload.Controller.Plumbing;

/// <summary>What reconciling changed on a switch.</summary>
public sealed record ReconcileResult(int Inserted, int Modified, int Deleted, int Unchanged)
{
    public static readonly ReconcileResult None = new(0, 0, 0, 0);

    /// <summary>Two passes over one switch: writes add up; unchanged is the later pass's.</summary>
    public static ReconcileResult operator +(ReconcileResult a, ReconcileResult b) =>
        new(a.Inserted + b.Inserted, a.Modified + b.Modified, a.Deleted + b.Deleted, b.Unchanged);

    public override string ToString() => $"{Inserted} inserted, {Modified} modified, {Deleted} deleted, {Unchanged} unchanged";
}

/// <summary>
/// Converges a switch's configured tables to the desired entries: reads what the switch holds, deletes what is not
/// wanted, modifies what differs, inserts what is missing. First start, controller restart and switch restart all
/// take this one path; an entry already right is never rewritten.
/// </summary>
public sealed class Reconciler(P4RuntimeClient client, P4InfoIndex p4Info)
{
    private const int BatchSize = 1000;

    /// <param name="retainedBackends">Backends that still carry connections: their <c>backends</c> entry and host route stay even
    /// when the configuration dropped them (a removed backend drains; it is not cut off).</param>
    public async Task<ReconcileResult> ReconcileAsync(IReadOnlyList<TableEntry> desired, IReadOnlySet<int>? retainedBackends = null,
        CancellationToken cancellationToken = default)
    {
        var filters = OffloadP4.ConfiguredTables.Select(name => OffloadP4.WholeTable(p4Info, name));
        var existing = new Dictionary<string, TableEntry>(StringComparer.Ordinal);
        await foreach (var entity in client.ReadAsync(filters, cancellationToken))
            existing[Key(entity.TableEntry)] = entity.TableEntry;

        var wanted = new Dictionary<string, TableEntry>(StringComparer.Ordinal);
        foreach (var entry in desired)
            wanted[Key(entry)] = entry;

        var retained = Retained(existing.Values, retainedBackends ?? new HashSet<int>());
        var deletes = existing.Where(e => !wanted.ContainsKey(e.Key) && !retained.Contains(e.Key))
            .Select(e => P4RuntimeClient.Delete(Wrap(KeyOnly(e.Value)))).ToList();
        var modifies = new List<Update>();
        var inserts = new List<Update>();
        var unchanged = 0;
        foreach (var (key, entry) in wanted)
        {
            if (!existing.TryGetValue(key, out var current))
                inserts.Add(P4RuntimeClient.Insert(Wrap(entry)));
            else if (!Equals(current.Action, entry.Action) || current.IdleTimeoutNs != entry.IdleTimeoutNs || current.Metadata != entry.Metadata)
                modifies.Add(P4RuntimeClient.Modify(Wrap(entry)));
            else
                unchanged++;
        }
        // Deletes first: a stale entry may hold a key or a resource a new one needs.
        foreach (var batch in new[] { deletes, modifies, inserts }.SelectMany(u => u.Chunk(BatchSize)))
            (await client.WriteAsync(batch, cancellationToken: cancellationToken)).ThrowIfFailed();
        return new ReconcileResult(inserts.Count, modifies.Count, deletes.Count, unchanged);
    }

    private HashSet<string> Retained(IEnumerable<TableEntry> existing, IReadOnlySet<int> backends)
    {
        var kept = new HashSet<string>(StringComparer.Ordinal);
        if (backends.Count == 0)
            return kept;
        var backendsTable = p4Info.Tables[OffloadP4.Backends].Preamble.Id;
        var routes = new[] { OffloadP4.RoutingV4, OffloadP4.RoutingV6 }.Select(t => p4Info.Tables[t].Preamble.Id).ToHashSet();
        var addresses = new HashSet<ByteString>();
        var all = existing.ToList();
        foreach (var entry in all.Where(e => e.TableId == backendsTable))
        {
            var id = (int)Offload.P4Runtime.Bytestrings.P4Bytes.ToUInt64(entry.Match[0].Exact.Value);
            if (!backends.Contains(id))
                continue;
            kept.Add(Key(entry));
            if (entry.Action?.Action is { Params.Count: > 0 } action)
                addresses.Add(action.Params[0].Value);
        }
        foreach (var route in all.Where(e => routes.Contains(e.TableId) && e.Match.Count == 1 && addresses.Contains(e.Match[0].Lpm.Value)
                                              && e.Match[0].Lpm.PrefixLen is 32 or 128))
            kept.Add(Key(route));
        return kept;
    }

    /// <summary>Converges the switch's clone sessions to the desired ones; returns how many writes it made.</summary>
    public async Task<int> ReconcileCloneSessionsAsync(IReadOnlyList<CloneSessionEntry> desired, CancellationToken cancellationToken = default)
    {
        var existing = new Dictionary<uint, CloneSessionEntry>();
        var filter = new Entity { PacketReplicationEngineEntry = new PacketReplicationEngineEntry { CloneSessionEntry = new CloneSessionEntry() } };
        await foreach (var entity in client.ReadAsync([filter], cancellationToken))
            existing[entity.PacketReplicationEngineEntry.CloneSessionEntry.SessionId] = entity.PacketReplicationEngineEntry.CloneSessionEntry;
        static Entity Wrap(CloneSessionEntry s) => new() { PacketReplicationEngineEntry = new PacketReplicationEngineEntry { CloneSessionEntry = s } };
        var updates = existing.Keys.Where(id => desired.All(d => d.SessionId != id))
            .Select(id => P4RuntimeClient.Delete(Wrap(new CloneSessionEntry { SessionId = id })))
            .Concat(desired.Where(d => !existing.TryGetValue(d.SessionId, out var current) || !current.Equals(d))
                .Select(d => existing.ContainsKey(d.SessionId) ? P4RuntimeClient.Modify(Wrap(d)) : P4RuntimeClient.Insert(Wrap(d))))
            .ToList();
        if (updates.Count > 0)
            (await client.WriteAsync(updates, cancellationToken: cancellationToken)).ThrowIfFailed();
        return updates.Count;
    }

    /// <summary>Enables (or re-configures) a digest the controller consumes; true when it wrote something.</summary>
    public async Task<bool> ReconcileDigestAsync(DigestEntry desired, CancellationToken cancellationToken = default)
    {
        DigestEntry? current = null;
        await foreach (var entity in client.ReadAsync([new Entity { DigestEntry = new DigestEntry { DigestId = desired.DigestId } }], cancellationToken))
            current = entity.DigestEntry;
        if (current is not null && Equals(current.Config, desired.Config))
            return false;
        var update = current is null ? P4RuntimeClient.Insert(new Entity { DigestEntry = desired }) : P4RuntimeClient.Modify(new Entity { DigestEntry = desired });
        (await client.WriteAsync([update], cancellationToken: cancellationToken)).ThrowIfFailed();
        return true;
    }

    /// <summary>The identity of an entry: table, canonical match fields in id order, priority.</summary>
    public static string Key(TableEntry entry)
    {
        var key = KeyOnly(entry);
        var match = key.Match.OrderBy(m => m.FieldId).ToList();
        key.Match.Clear();
        key.Match.Add(match);
        return Convert.ToBase64String(key.ToByteArray());
    }

    public static TableEntry KeyOnly(TableEntry entry)
    {
        var key = new TableEntry { TableId = entry.TableId, Priority = entry.Priority };
        key.Match.Add(entry.Match);
        return key;
    }

    private static Entity Wrap(TableEntry entry) => new() { TableEntry = entry };
}
