using System.Diagnostics;
using P4.V1;

namespace Offload.Simulator.Runtime.Externs;

internal sealed record DigestConfig(long MaxTimeoutNs, int MaxListSize, long AckTimeoutNs);

/// <summary>
/// Digest lists as the spec describes them: distinct digests buffered until max_timeout_ns or max_list_size, then
/// sent; data already sent is not sent again until its list is acked or ack_timeout_ns passes. Only digests whose
/// DigestEntry was inserted are generated.
/// </summary>
internal sealed class DigestEngine(Action<DigestList> send)
{
    private readonly Dictionary<uint, Pending> _pending = new();
    private ulong _nextListId = 1;

    public Dictionary<uint, DigestConfig> Configs { get; } = new();

    public void Add(uint digestId, ReadOnlySpan<UInt128> members)
    {
        if (!Configs.TryGetValue(digestId, out var config))
            return;
        var key = string.Join(',', members.ToArray());
        var pending = _pending.TryGetValue(digestId, out var p) ? p : _pending[digestId] = new Pending();
        var now = Stopwatch.GetTimestamp();
        if (config.AckTimeoutNs > 0 && pending.Unacked.TryGetValue(key, out var sentAt) && Elapsed(sentAt, now) < config.AckTimeoutNs)
            return;
        if (!pending.Buffered.Add(key))
            return;
        var data = new P4Data { Struct = new P4StructLike() };
        foreach (var member in members)
            data.Struct.Members.Add(new P4Data { Bitstring = Values.Canonical(member) });
        if (pending.Buffer.Count == 0)
            pending.FirstBuffered = now;
        pending.Buffer.Add((key, data));
        if (config.MaxTimeoutNs == 0 || config.MaxListSize > 0 && pending.Buffer.Count >= config.MaxListSize)
            Flush(digestId, pending, config, now);
    }

    /// <summary>Sends lists whose oldest digest has waited max_timeout_ns; called by the device's timer.</summary>
    public void Tick()
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var (digestId, pending) in _pending)
        {
            if (pending.Buffer.Count > 0 && Configs.TryGetValue(digestId, out var config)
                && Elapsed(pending.FirstBuffered, now) >= config.MaxTimeoutNs)
                Flush(digestId, pending, config, now);
        }
    }

    public void Ack(uint digestId, ulong listId)
    {
        if (!_pending.TryGetValue(digestId, out var pending) || !pending.Lists.Remove(listId, out var keys))
            return;
        foreach (var key in keys)
            pending.Unacked.Remove(key);
    }

    public void Remove(uint digestId)
    {
        Configs.Remove(digestId);
        _pending.Remove(digestId);
    }

    private void Flush(uint digestId, Pending pending, DigestConfig config, long now)
    {
        var list = new DigestList
        {
            DigestId = digestId,
            ListId = _nextListId++,
            Timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000,
        };
        var keys = new List<string>(pending.Buffer.Count);
        foreach (var (key, data) in pending.Buffer)
        {
            list.Data.Add(data);
            keys.Add(key);
            if (config.AckTimeoutNs > 0)
                pending.Unacked[key] = now;
        }
        if (config.AckTimeoutNs > 0)
            pending.Lists[list.ListId] = keys;
        pending.Buffer.Clear();
        pending.Buffered.Clear();
        send(list);
    }

    private static long Elapsed(long from, long to) => (long)((to - from) * (1e9 / Stopwatch.Frequency));

    private sealed class Pending
    {
        public List<(string Key, P4Data Data)> Buffer { get; } = new();
        public HashSet<string> Buffered { get; } = new();
        public Dictionary<string, long> Unacked { get; } = new();
        public Dictionary<ulong, List<string>> Lists { get; } = new();
        public long FirstBuffered { get; set; }
    }
}
