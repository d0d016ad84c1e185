using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Offload.Controller.Health.Sharing;

/// <summary>One backend's health and load as one controller sees it.</summary>
public sealed record HealthRecord(string Backend, string State, long SinceUnixMs, string Reason, string? Agent, double? Cpu, double? Memory, int? Connections);

/// <summary>A controller's whole health/load table and its checksum (seed 003: send-table-snapshot).</summary>
public sealed record HealthSnapshot(string Controller, string Checksum, HealthRecord[] Records);

/// <summary>A heartbeat: who sends it, where its snapshot can be fetched, and the checksum of its table.</summary>
public sealed record HealthHeartbeat(string Controller, string Address, string Checksum);

/// <summary>What a receiver answers a heartbeat: whether its copy matched (false: it fetched a snapshot).</summary>
public sealed record HeartbeatAnswer(bool InSync);

/// <summary>A peer's table as cached here.</summary>
public sealed record PeerCache(string Controller, string Address, string Checksum, HealthRecord[] Records, DateTimeOffset HeardAt, DateTimeOffset FetchedAt, long Snapshots);

/// <summary>
/// The health/load tables of peer controllers, each kept as a copy of what the peer itself says: a heartbeat whose
/// checksum differs from the copy's makes the receiver fetch the peer's snapshot. The copy is never merged into this
/// controller's own table: the authoritative record stays with the one who observed it.
/// </summary>
public sealed class HealthCache(TimeProvider time)
{
    private readonly Dictionary<string, PeerCache> _peers = new(StringComparer.Ordinal);

    public static HealthSnapshot Snapshot(string controller, IEnumerable<BackendHealth> health)
    {
        var records = health.Select(h => new HealthRecord(h.Backend, HealthMonitor.State(h.State), h.Since.ToUnixTimeMilliseconds(), h.Reason,
            h.AgentState is { } agent ? ServiceStateNames.Of(agent) : null, h.Load?.Cpu, h.Load?.Memory, h.Load?.Connections)).OrderBy(r => r.Backend, StringComparer.Ordinal).ToArray();
        return new HealthSnapshot(controller, Checksum(records), records);
    }

    /// <summary>SHA-256 over the records' canonical JSON, in backend order: equal tables, equal checksums.</summary>
    public static string Checksum(IReadOnlyList<HealthRecord> records) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(records.OrderBy(r => r.Backend, StringComparer.Ordinal).ToArray(), SharingJson.Default.HealthRecordArray)));

    /// <summary>True when the cached copy of the sender's table has the heartbeat's checksum.</summary>
    public bool InSync(HealthHeartbeat heartbeat)
    {
        lock (_peers)
        {
            if (!_peers.TryGetValue(heartbeat.Controller, out var cached) || cached.Checksum != heartbeat.Checksum || cached.Address != heartbeat.Address)
                return false;
            _peers[heartbeat.Controller] = cached with { HeardAt = time.GetUtcNow() };
            return true;
        }
    }

    /// <summary>Stores a peer's snapshot, refusing one whose checksum does not match its records.</summary>
    public void Store(string address, HealthSnapshot snapshot)
    {
        if (Checksum(snapshot.Records) != snapshot.Checksum)
            throw new FormatException($"the snapshot from {snapshot.Controller} does not match its own checksum");
        var now = time.GetUtcNow();
        lock (_peers)
        {
            var count = _peers.TryGetValue(snapshot.Controller, out var old) ? old.Snapshots + 1 : 1;
            _peers[snapshot.Controller] = new PeerCache(snapshot.Controller, address, snapshot.Checksum, snapshot.Records, now, now, count);
        }
    }

    public IReadOnlyList<PeerCache> Peers()
    {
        lock (_peers)
            return _peers.Values.OrderBy(p => p.Controller, StringComparer.Ordinal).ToList();
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(HealthRecord[]))]
[JsonSerializable(typeof(HealthSnapshot))]
[JsonSerializable(typeof(HealthHeartbeat))]
[JsonSerializable(typeof(HeartbeatAnswer))]
[JsonSerializable(typeof(PeerCache[]))]
public sealed partial class SharingJson : JsonSerializerContext;
