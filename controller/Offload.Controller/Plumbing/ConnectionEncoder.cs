using Google.Protobuf;
using Offload.P4Runtime.Bytestrings;
using Offload.Controller.Pipeline;
using Offload.P4Runtime.Schema;
using Offload.P4Runtime.Wire;
using P4.V1;

namespace Offload.Controller.Plumbing;

/// <summary>A connection's identity: the forward entry's exact key, small enough to track a million of.</summary>
public readonly record struct ConnectionKey(byte IpVersion, UInt128 Client, UInt128 Vip, byte Protocol, ushort ClientPort, ushort VipPort)
{
    public static ConnectionKey Of(Connection c) => new(c.IpVersion, c.Client, c.Vip, c.Protocol, c.ClientPort, c.VipPort);
}

/// <summary>Where a backend listens, as the reverse entry needs it.</summary>
public readonly record struct BackendEndpoint(UInt128 Address, ushort Port);

/// <summary>
/// Builds and reads the per-connection entries with every id resolved once from the P4Info: the connection path
/// writes millions of these, so it skips the name-checked builders and protobuf's objects and writes the updates'
/// bytes directly; the object forms are parsed from those same bytes.
/// </summary>
public sealed class ConnectionEncoder
{
    private readonly Family _v4, _v6;
    private readonly uint _forward, _backendParam, _seqParam, _ackParam, _drop;

    public ConnectionEncoder(P4InfoIndex p4Info)
    {
        _v4 = new Family(p4Info, OffloadP4.ConnV4, OffloadP4.ReverseConnV4, OffloadP4.ReverseNatV4, "ipv4");
        _v6 = new Family(p4Info, OffloadP4.ConnV6, OffloadP4.ReverseConnV6, OffloadP4.ReverseNatV6, "ipv6");
        var forward = p4Info.Actions[OffloadP4.Forward];
        _forward = forward.Preamble.Id;
        _backendParam = forward.Params.Single(p => p.Name == "backend_id").Id;
        _seqParam = forward.Params.Single(p => p.Name == "seq_delta").Id;
        _ackParam = forward.Params.Single(p => p.Name == "ack_delta").Id;
        _drop = p4Info.Actions[OffloadP4.DropConnection].Preamble.Id;
        ForwardTables = new HashSet<uint> { _v4.Forward, _v6.Forward };
    }

    public IReadOnlySet<uint> ForwardTables { get; }

    /// <summary>The INSERT of a connection's forward entry (client → VIP, pinned to its backend), as the wire carries it.</summary>
    public ByteString ForwardInsert(ConnectionKey c, int backendId, long idleTimeoutNs, Splice splice = default) =>
        EncodeForward(c, insert: true, _forward, [(uint)backendId, splice.SeqDelta, splice.AckDelta], idleTimeoutNs);

    /// <summary>The INSERT of a connection's reverse entry (backend → client, rewritten back to the VIP), as the wire carries it.</summary>
    /// <param name="splice">the forward direction's rewrite; the reverse entry takes its reverse</param>
    public ByteString ReverseInsert(ConnectionKey c, BackendEndpoint backend, int backendId, UInt128 vipAddress, ushort vipPort, Splice splice = default) =>
        EncodeReverse(c, backend, insert: true, FamilyOf(c.IpVersion).ReverseNat, [(uint)backendId, vipAddress, vipPort, splice.Reverse.SeqDelta, splice.Reverse.AckDelta]);

    public TableEntry Forward(ConnectionKey c, int backendId, long idleTimeoutNs, Splice splice = default) =>
        Update.Parser.ParseFrom(ForwardInsert(c, backendId, idleTimeoutNs, splice)).Entity.TableEntry;

    public TableEntry Reverse(ConnectionKey c, BackendEndpoint backend, int backendId, UInt128 vipAddress, ushort vipPort, Splice splice = default) =>
        Update.Parser.ParseFrom(ReverseInsert(c, backend, backendId, vipAddress, vipPort, splice)).Entity.TableEntry;

    /// <summary>The firewall drop route of a denied connection (seed 003 c33): its packets die in the switch.</summary>
    public TableEntry Drop(ConnectionKey c, long idleTimeoutNs) =>
        TableEntry.Parser.ParseFrom(EncodeForward(c, insert: false, _drop, [], idleTimeoutNs));

    public TableEntry ForwardKey(ConnectionKey c) => TableEntry.Parser.ParseFrom(EncodeForward(c, insert: false, null, [], 0));

    public TableEntry ReverseKey(ConnectionKey c, BackendEndpoint backend) => TableEntry.Parser.ParseFrom(EncodeReverse(c, backend, insert: false, null, []));

    private ByteString EncodeForward(ConnectionKey c, bool insert, uint? action, ReadOnlySpan<UInt128> args, long idleTimeoutNs)
    {
        var f = FamilyOf(c.IpVersion);
        return Encode(insert, f.Forward, f.ForwardFields, [c.Client, c.Vip, c.Protocol, c.ClientPort, c.VipPort], action, args, idleTimeoutNs);
    }

    private ByteString EncodeReverse(ConnectionKey c, BackendEndpoint backend, bool insert, uint? action, ReadOnlySpan<UInt128> args)
    {
        var f = FamilyOf(c.IpVersion);
        return Encode(insert, f.Reverse, f.ReverseFields, [backend.Address, c.Client, c.Protocol, backend.Port, c.ClientPort], action, args, 0);
    }

    /// <summary>The connection a forward entry (from a read or an idle notification) stands for, and its backend and splice when the entry has its action.</summary>
    public (ConnectionKey Key, int BackendId, Splice Splice)? Read(TableEntry entry)
    {
        var f = entry.TableId == _v4.Forward ? _v4 : entry.TableId == _v6.Forward ? _v6 : null;
        if (f is null || entry.Match.Count != 5)
            return null;
        Span<UInt128> values = stackalloc UInt128[5];
        foreach (var match in entry.Match)
        {
            var at = Array.IndexOf(f.ForwardFields, match.FieldId);
            if (at < 0 || match.FieldMatchTypeCase != FieldMatch.FieldMatchTypeOneofCase.Exact)
                return null;
            values[at] = ToUInt128(match.Exact.Value);
        }
        var (backend, splice) = (0, default(Splice));
        if (entry.Action?.Action is { } action && action.ActionId == _forward)
        {
            uint Param(uint id) => (uint)(action.Params.FirstOrDefault(p => p.ParamId == id) is { } p ? ToUInt128(p.Value) : 0);
            (backend, splice) = ((int)Param(_backendParam), new Splice(Param(_seqParam), Param(_ackParam)));
        }
        return (new ConnectionKey(f == _v4 ? (byte)4 : (byte)6, values[0], values[1], (byte)values[2], (ushort)values[3], (ushort)values[4]), backend, splice);
    }

    private Family FamilyOf(byte ipVersion) => ipVersion == 4 ? _v4 : _v6;

    /// <summary>
    /// A table entry with exact key fields and an optional action whose parameters are numbered from 1, or the INSERT
    /// update that carries it: written straight to protobuf bytes, as Google.Protobuf would write the messages.
    /// </summary>
    private static ByteString Encode(bool insert, uint table, uint[] fields, ReadOnlySpan<UInt128> key, uint? action, ReadOnlySpan<UInt128> args, long idleTimeoutNs)
    {
        Span<byte> buffer = stackalloc byte[1024];
        var w = new WireWriter(buffer);
        int update = 0, entity = 0;
        if (insert)
        {
            w.Varint(1, (ulong)Update.Types.Type.Insert); // Update.type
            update = w.BeginMessage(2); // Update.entity
            entity = w.BeginMessage(2); // Entity.table_entry
        }
        w.Varint(1, table); // TableEntry.table_id
        for (var i = 0; i < key.Length; i++)
        {
            var match = w.BeginMessage(2); // TableEntry.match
            w.Varint(1, fields[i]); // FieldMatch.field_id
            var exact = w.BeginMessage(2); // FieldMatch.exact
            w.Canonical(1, key[i]); // Exact.value
            w.EndMessage(exact);
            w.EndMessage(match);
        }
        if (action is { } id)
        {
            var tableAction = w.BeginMessage(3); // TableEntry.action
            var call = w.BeginMessage(1); // TableAction.action
            w.Varint(1, id); // Action.action_id
            for (var i = 0; i < args.Length; i++)
            {
                var param = w.BeginMessage(4); // Action.params
                w.Varint(2, (uint)i + 1); // Param.param_id
                w.Canonical(3, args[i]); // Param.value
                w.EndMessage(param);
            }
            w.EndMessage(call);
            w.EndMessage(tableAction);
        }
        w.Varint(9, (ulong)idleTimeoutNs); // TableEntry.idle_timeout_ns
        if (insert)
        {
            w.EndMessage(entity);
            w.EndMessage(update);
        }
        return ByteString.CopyFrom(w.Written);
    }

    public static UInt128 ToUInt128(ByteString bytes) => P4Bytes.ToUInt128(bytes);

    private sealed class Family
    {
        public Family(P4InfoIndex p4Info, string forward, string reverse, string reverseNat, string prefix)
        {
            var f = p4Info.Tables[forward];
            var r = p4Info.Tables[reverse];
            Forward = f.Preamble.Id;
            Reverse = r.Preamble.Id;
            ReverseNat = p4Info.Actions[reverseNat].Preamble.Id;
            string[] names = [$"{prefix}_src", $"{prefix}_dst", "ip_proto", "l4_src_port", "l4_dst_port"];
            ForwardFields = names.Select(n => p4Info.MatchField(f, n).Id).ToArray();
            ReverseFields = names.Select(n => p4Info.MatchField(r, n).Id).ToArray();
        }

        public uint Forward { get; }
        public uint Reverse { get; }
        public uint ReverseNat { get; }
        public uint[] ForwardFields { get; }
        public uint[] ReverseFields { get; }
    }
}
