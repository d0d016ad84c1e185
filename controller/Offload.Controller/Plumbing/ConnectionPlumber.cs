using System.Collections.Concurrent;
using System.Numerics;
using Google.Protobuf;
using Offload.Controller.Configuration;
using Offload.Controller.Pipeline;
using Offload.Grpc;
using Offload.P4Runtime.Entities;
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
    private volatile Dictionary<int, BackendConfig> _backends = config.Backends.ToDictionary(b => b.Id);
    private volatile Dictionary<int, VipConfig> _vips = config.Vips.ToDictionary(v => v.Id);
    private readonly ConcurrentDictionary<string, (TableEntry Reverse, int BackendId)> _pinned = new(StringComparer.Ordinal);

    /// <summary>Takes a new configuration; connections already pinned keep their entries.</summary>
    public void Update(OffloadConfig config)
    {
        _backends = config.Backends.ToDictionary(b => b.Id);
        _vips = config.Vips.ToDictionary(v => v.Id);
    }

    /// <summary>Connections pinned so far and not yet forgotten.</summary>
    public int Count => _pinned.Count;

    /// <summary>Told the backend id of every connection pinned for the first time, and of every one forgotten: the load signal.</summary>
    public Action<int>? Opened { get; init; }
    public Action<int>? Closed { get; init; }

    public async Task<int> PinAsync(IReadOnlyList<Connection> connections, CancellationToken cancellationToken = default)
    {
        var updates = new List<Update>(connections.Count * 2);
        var pinned = new List<(string Key, TableEntry Reverse, int BackendId)>();
        foreach (var connection in connections.Distinct())
        {
            if (!_backends.TryGetValue(connection.BackendId, out var backend) || !_vips.ContainsKey(connection.VipId))
                continue;
            var (forward, reverse) = Entries(connection, backend);
            updates.Add(P4RuntimeClient.Insert(new Entity { TableEntry = forward }));
            updates.Add(P4RuntimeClient.Insert(new Entity { TableEntry = reverse }));
            pinned.Add((Reconciler.Key(forward), KeyOnly(reverse), backend.Id));
        }
        if (updates.Count == 0)
            return 0;
        var result = await client.WriteAsync(updates, cancellationToken: cancellationToken);
        ThrowUnless(result, StatusCode.AlreadyExists);
        foreach (var (key, reverse, backendId) in pinned)
        {
            if (_pinned.TryAdd(key, (reverse, backendId)))
                Opened?.Invoke(backendId);
        }
        return pinned.Count;
    }

    /// <summary>Backends that still carry pinned connections: their entries must outlive their removal from the configuration.</summary>
    public IReadOnlySet<int> LiveBackends => _pinned.Values.Select(p => p.BackendId).ToHashSet();

    /// <summary>
    /// Learns the connections a switch already holds (after a controller restart or a reload): each forward entry's
    /// backend and the reverse entry that goes with it. Reverse entries left without a forward entry are deleted.
    /// </summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken = default)
    {
        Entity Table(string name) => new() { TableEntry = new TableEntry { TableId = p4Info.Tables[name].Preamble.Id } };
        var forwardIds = new[] { OffloadP4.ConnV4, OffloadP4.ConnV6 }.Select(t => p4Info.Tables[t].Preamble.Id).ToHashSet();
        var forwards = new List<TableEntry>();
        var reverses = new Dictionary<string, TableEntry>(StringComparer.Ordinal);
        var backendsTable = p4Info.Tables[OffloadP4.Backends].Preamble.Id;
        await foreach (var entity in client.ReadAsync([Table(OffloadP4.ConnV4), Table(OffloadP4.ConnV6), Table(OffloadP4.ReverseConnV4),
            Table(OffloadP4.ReverseConnV6), Table(OffloadP4.Backends)], cancellationToken))
        {
            if (entity.TableEntry.TableId == backendsTable)
                RememberEndpoint(entity.TableEntry);
            else if (forwardIds.Contains(entity.TableEntry.TableId))
                forwards.Add(entity.TableEntry);
            else
                reverses[Reconciler.Key(entity.TableEntry)] = KeyOnly(entity.TableEntry);
        }
        var backendParam = p4Info.Actions[OffloadP4.Forward].Params.Single(p => p.Name == "backend_id").Id;
        foreach (var forward in forwards)
        {
            if (forward.Action?.Action is not { } action || action.ActionId != p4Info.Actions[OffloadP4.Forward].Preamble.Id)
                continue;
            var backendId = (int)Offload.P4Runtime.Bytestrings.P4Bytes.ToUInt64(action.Params.Single(p => p.ParamId == backendParam).Value);
            var reverseKey = ReverseKeyOf(forward, backendId);
            if (reverseKey is not null && _pinned.TryAdd(Reconciler.Key(forward), (reverseKey, backendId)))
            {
                reverses.Remove(Reconciler.Key(reverseKey));
                Opened?.Invoke(backendId);
            }
        }
        if (reverses.Count > 0)
            ThrowUnless(await client.WriteAsync(reverses.Values.Select(r => P4RuntimeClient.Delete(new Entity { TableEntry = r })).ToList(),
                cancellationToken: cancellationToken), StatusCode.NotFound);
        return _pinned.Count;
    }

    // A backend the configuration no longer names may still carry connections: the switch's backends entry says where it is.
    private readonly Dictionary<int, (P4Value Address, P4Value Port)> _switchEndpoints = new();

    private void RememberEndpoint(TableEntry entry)
    {
        if (entry.Action?.Action is not { Params.Count: 2 } action)
            return;
        var id = (int)Offload.P4Runtime.Bytestrings.P4Bytes.ToUInt64(entry.Match[0].Exact.Value);
        _switchEndpoints[id] = (action.Params[0].Value, action.Params[1].Value);
    }

    private (P4Value Address, P4Value Port)? Endpoint(int backendId) =>
        _backends.TryGetValue(backendId, out var backend) ? (backend.Address.ToString(), backend.Port)
        : _switchEndpoints.TryGetValue(backendId, out var endpoint) ? endpoint : null;

    // The reverse entry's key follows from the forward key and the backend's address and port.
    private TableEntry? ReverseKeyOf(TableEntry forward, int backendId)
    {
        if (Endpoint(backendId) is not { } backend)
            return null;
        var v4 = forward.TableId == p4Info.Tables[OffloadP4.ConnV4].Preamble.Id;
        var table = p4Info.Tables[v4 ? OffloadP4.ConnV4 : OffloadP4.ConnV6];
        ByteString Field(string name) => forward.Match.Single(m => m.FieldId == p4Info.MatchField(table, name).Id).Exact.Value;
        var (src, dst) = v4 ? ("ipv4_src", "ipv4_dst") : ("ipv6_src", "ipv6_dst");
        return new TableEntryBuilder(p4Info, v4 ? OffloadP4.ReverseConnV4 : OffloadP4.ReverseConnV6)
            .Exact(src, backend.Address).Exact(dst, Field(src)).Exact("ip_proto", Field("ip_proto"))
            .Exact("l4_src_port", backend.Port).Exact("l4_dst_port", Field("l4_src_port")).BuildKey();
    }

    /// <summary>Deletes idle connections: the reported forward entries and their reverse entries.</summary>
    public async Task<int> ForgetAsync(IEnumerable<TableEntry> idleForwardEntries, CancellationToken cancellationToken = default)
    {
        var updates = new List<Update>();
        var forgotten = 0;
        foreach (var entry in idleForwardEntries)
        {
            var key = KeyOnly(entry);
            updates.Add(P4RuntimeClient.Delete(new Entity { TableEntry = key }));
            if (_pinned.TryRemove(Reconciler.Key(key), out var pinned))
            {
                updates.Add(P4RuntimeClient.Delete(new Entity { TableEntry = pinned.Reverse }));
                Closed?.Invoke(pinned.BackendId);
            }
            forgotten++;
        }
        if (updates.Count > 0)
            ThrowUnless(await client.WriteAsync(updates, cancellationToken: cancellationToken), StatusCode.NotFound);
        return forgotten;
    }

    public (TableEntry Forward, TableEntry Reverse) Entries(Connection c, BackendConfig backend)
    {
        var vip = _vips[c.VipId];
        var v4 = c.IpVersion == 4;
        var (src, dst) = v4 ? ("ipv4_src", "ipv4_dst") : ("ipv6_src", "ipv6_dst");
        var forward = new TableEntryBuilder(p4Info, v4 ? OffloadP4.ConnV4 : OffloadP4.ConnV6)
            .Exact(src, Address(c.Client)).Exact(dst, Address(c.Vip)).Exact("ip_proto", c.Protocol)
            .Exact("l4_src_port", c.ClientPort).Exact("l4_dst_port", c.VipPort)
            .Action(OffloadP4.Forward, ("backend_id", backend.Id), ("seq_delta", 0), ("ack_delta", 0))
            .IdleTimeout(idleTimeout).Build();
        var reverse = new TableEntryBuilder(p4Info, v4 ? OffloadP4.ReverseConnV4 : OffloadP4.ReverseConnV6)
            .Exact(src, backend.Address.ToString()).Exact(dst, Address(c.Client)).Exact("ip_proto", c.Protocol)
            .Exact("l4_src_port", backend.Port).Exact("l4_dst_port", c.ClientPort)
            .Action(v4 ? OffloadP4.ReverseNatV4 : OffloadP4.ReverseNatV6, ("backend_id", backend.Id), ("vip_addr", vip.Address.ToString()),
                ("vip_port", vip.Port), ("seq_delta", 0), ("ack_delta", 0)).Build();
        return (forward, reverse);
    }

    private static P4Value Address(UInt128 value) => new BigInteger((ulong)(value >> 64)) << 64 | (ulong)value;

    private static TableEntry KeyOnly(TableEntry entry)
    {
        var key = new TableEntry { TableId = entry.TableId, Priority = entry.Priority };
        key.Match.Add(entry.Match);
        return key;
    }

    private static void ThrowUnless(WriteResult result, StatusCode tolerated)
    {
        if (result.Failures.Any(f => f.Code != tolerated))
            result.ThrowIfFailed();
    }
}
