using Google.Protobuf;
using Offload.P4Runtime.Bytestrings;
using Offload.Controller.Pipeline;
using Offload.P4Runtime.Schema;
using P4.V1;
using Action = P4.V1.Action;

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
/// writes millions of these, so it skips the name-checked builders and writes canonical bytestrings directly.
/// </summary>
public sealed class ConnectionEncoder
{
    private readonly Family _v4, _v6;
    private readonly uint _forward, _backendParam, _drop;

    public ConnectionEncoder(P4InfoIndex p4Info)
    {
        _v4 = new Family(p4Info, OffloadP4.ConnV4, OffloadP4.ReverseConnV4, OffloadP4.ReverseNatV4, "ipv4");
        _v6 = new Family(p4Info, OffloadP4.ConnV6, OffloadP4.ReverseConnV6, OffloadP4.ReverseNatV6, "ipv6");
        var forward = p4Info.Actions[OffloadP4.Forward];
        _forward = forward.Preamble.Id;
        _backendParam = forward.Params.Single(p => p.Name == "backend_id").Id;
        _drop = p4Info.Actions[OffloadP4.DropConnection].Preamble.Id;
        ForwardTables = new HashSet<uint> { _v4.Forward, _v6.Forward };
    }

    public IReadOnlySet<uint> ForwardTables { get; }

    public TableEntry Forward(ConnectionKey c, int backendId, long idleTimeoutNs)
    {
        var f = FamilyOf(c.IpVersion);
        var entry = Key(f.Forward, f.ForwardFields, c.Client, c.Vip, c.Protocol, c.ClientPort, c.VipPort);
        entry.IdleTimeoutNs = idleTimeoutNs;
        entry.Action = new TableAction { Action = Action(_forward, (uint)backendId, 0u, 0u) };
        return entry;
    }

    /// <summary>The firewall drop route of a denied connection (seed 003 c33): its packets die in the switch.</summary>
    public TableEntry Drop(ConnectionKey c, long idleTimeoutNs)
    {
        var f = FamilyOf(c.IpVersion);
        var entry = Key(f.Forward, f.ForwardFields, c.Client, c.Vip, c.Protocol, c.ClientPort, c.VipPort);
        entry.IdleTimeoutNs = idleTimeoutNs;
        entry.Action = new TableAction { Action = new Action { ActionId = _drop } };
        return entry;
    }

    public TableEntry Reverse(ConnectionKey c, BackendEndpoint backend, int backendId, UInt128 vipAddress, ushort vipPort)
    {
        var f = FamilyOf(c.IpVersion);
        var entry = ReverseKey(c, backend);
        var action = new Action { ActionId = f.ReverseNat };
        action.Params.Add(Param(1, (uint)backendId));
        action.Params.Add(Param(2, vipAddress));
        action.Params.Add(Param(3, vipPort));
        action.Params.Add(Param(4, 0u));
        action.Params.Add(Param(5, 0u));
        entry.Action = new TableAction { Action = action };
        return entry;
    }

    public TableEntry ForwardKey(ConnectionKey c)
    {
        var f = FamilyOf(c.IpVersion);
        return Key(f.Forward, f.ForwardFields, c.Client, c.Vip, c.Protocol, c.ClientPort, c.VipPort);
    }

    public TableEntry ReverseKey(ConnectionKey c, BackendEndpoint backend)
    {
        var f = FamilyOf(c.IpVersion);
        return Key(f.Reverse, f.ReverseFields, backend.Address, c.Client, c.Protocol, backend.Port, c.ClientPort);
    }

    /// <summary>The connection a forward entry (from a read or an idle notification) stands for, and its backend when the entry has its action.</summary>
    public (ConnectionKey Key, int BackendId)? Read(TableEntry entry)
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
        var backend = entry.Action?.Action is { } action && action.ActionId == _forward
            ? (int)ToUInt128(action.Params.Single(p => p.ParamId == _backendParam).Value)
            : 0;
        return (new ConnectionKey(f == _v4 ? (byte)4 : (byte)6, values[0], values[1], (byte)values[2], (ushort)values[3], (ushort)values[4]), backend);
    }

    private Family FamilyOf(byte ipVersion) => ipVersion == 4 ? _v4 : _v6;

    private static TableEntry Key(uint table, uint[] fields, UInt128 a, UInt128 b, byte protocol, ushort portA, ushort portB)
    {
        var entry = new TableEntry { TableId = table };
        entry.Match.Add(Exact(fields[0], a));
        entry.Match.Add(Exact(fields[1], b));
        entry.Match.Add(Exact(fields[2], protocol));
        entry.Match.Add(Exact(fields[3], portA));
        entry.Match.Add(Exact(fields[4], portB));
        return entry;
    }

    private static FieldMatch Exact(uint field, UInt128 value) => new() { FieldId = field, Exact = new FieldMatch.Types.Exact { Value = Canonical(value) } };

    private static Action Action(uint id, params UInt128[] values)
    {
        var action = new Action { ActionId = id };
        for (var i = 0; i < values.Length; i++)
            action.Params.Add(Param((uint)i + 1, values[i]));
        return action;
    }

    private static Action.Types.Param Param(uint id, UInt128 value) => new() { ParamId = id, Value = Canonical(value) };

    public static ByteString Canonical(UInt128 value) => P4Bytes.Canonical(value);

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
