using System.Globalization;
using Google.Protobuf;
using Offload.P4Runtime.Bytestrings;
using Offload.P4Runtime.Entities;
using Offload.P4Runtime.Schema;
using P4.V1;

namespace Offload.Simulator.Tests.Vectors;

/// <summary>
/// The entries of a vector file as P4Runtime updates, built by name from the P4Info. Match values are written as
/// an operator writes them: "10.0.0.0/24" (lpm), "V&amp;&amp;&amp;MASK" (ternary), "LOW..HIGH" (range), else exact or optional.
/// </summary>
public static class VectorEntries
{
    public static IEnumerable<Update> ToUpdates(P4InfoIndex p4Info, IEnumerable<Dictionary<string, object>> entries) =>
        entries.Select(e => new Update { Type = Type(e), Entity = ToEntity(p4Info, e) });

    private static Update.Types.Type Type(Dictionary<string, object> e) =>
        e.TryGetValue("update", out var u) && u.ToString() == "modify" || e.ContainsKey("default") || e.ContainsKey("meter")
            ? Update.Types.Type.Modify
            : Update.Types.Type.Insert;

    private static Entity ToEntity(P4InfoIndex p4Info, Dictionary<string, object> e)
    {
        if (e.TryGetValue("table", out var table))
            return new Entity { TableEntry = TableEntry(p4Info, table.ToString()!, e) };
        if (e.TryGetValue("member", out var member))
        {
            var m = Map(member);
            return new Entity
            {
                ActionProfileMember = ActionProfileBuilder.Member(p4Info, Text(m, "profile"), UInt(m, "id"), Text(m, "action"), Params(m)),
            };
        }
        if (e.TryGetValue("group", out var group))
        {
            var g = Map(group);
            var members = List(g, "members").Select(x => Map(x)).Select(x => (UInt(x, "id"), (int)UInt(x, "weight", 1), (ByteString?)null));
            return new Entity { ActionProfileGroup = ActionProfileBuilder.Group(p4Info, Text(g, "profile"), UInt(g, "id"), members.ToList()) };
        }
        if (e.TryGetValue("multicast_group", out var mg))
        {
            var entry = new MulticastGroupEntry { MulticastGroupId = UInt(Map(mg), "id") };
            entry.Replicas.Add(Replicas(Map(mg)));
            return new Entity { PacketReplicationEngineEntry = new PacketReplicationEngineEntry { MulticastGroupEntry = entry } };
        }
        if (e.TryGetValue("clone_session", out var cs))
        {
            var entry = new CloneSessionEntry { SessionId = UInt(Map(cs), "id"), PacketLengthBytes = (int)UInt(Map(cs), "packet_length", 0) };
            entry.Replicas.Add(Replicas(Map(cs)));
            return new Entity { PacketReplicationEngineEntry = new PacketReplicationEngineEntry { CloneSessionEntry = entry } };
        }
        if (e.TryGetValue("meter", out var meter))
        {
            var m = Map(meter);
            return new Entity
            {
                MeterEntry = new MeterEntry
                {
                    MeterId = p4Info.Meters[Text(m, "name")].Preamble.Id, Index = new P4.V1.Index { Index_ = UInt(m, "index") },
                    Config = new MeterConfig { Cir = UInt(m, "cir"), Cburst = UInt(m, "cburst"), Pir = UInt(m, "pir"), Pburst = UInt(m, "pburst") },
                },
            };
        }
        if (e.TryGetValue("digest", out var digest))
        {
            var d = Map(digest);
            return new Entity
            {
                DigestEntry = new DigestEntry
                {
                    DigestId = p4Info.Digests[Text(d, "name")].Preamble.Id,
                    Config = new DigestEntry.Types.Config { MaxTimeoutNs = UInt(d, "max_timeout_ns", 0), MaxListSize = (int)UInt(d, "max_list_size", 1), AckTimeoutNs = UInt(d, "ack_timeout_ns", 0) },
                },
            };
        }
        throw new FormatException("an entry names a table, member, group, multicast_group, clone_session, meter or digest: " + string.Join(",", e.Keys));
    }

    private static TableEntry TableEntry(P4InfoIndex p4Info, string table, Dictionary<string, object> e)
    {
        var builder = new TableEntryBuilder(p4Info, table);
        var schema = p4Info.Tables[table];
        if (e.ContainsKey("default"))
            builder.AsDefault();
        if (e.TryGetValue("match", out var match))
        {
            foreach (var (field, raw) in Map(match))
            {
                var value = raw.ToString()!;
                var kind = p4Info.MatchField(schema, field).MatchType;
                if (kind == P4.Config.V1.MatchField.Types.MatchType.Lpm)
                    builder.Lpm(field, value);
                else if (value.Contains("&&&"))
                    builder.Ternary(field, value[..value.IndexOf("&&&")], value[(value.IndexOf("&&&") + 3)..]);
                else if (value.Contains(".."))
                    builder.Range(field, value[..value.IndexOf("..")], value[(value.IndexOf("..") + 2)..]);
                else if (kind == P4.Config.V1.MatchField.Types.MatchType.Optional)
                    builder.Optional(field, value);
                else if (kind == P4.Config.V1.MatchField.Types.MatchType.Ternary)
                    builder.Ternary(field, value, P4Bytes.Encode(System.Numerics.BigInteger.Pow(2, p4Info.MatchField(schema, field).Bitwidth) - 1, p4Info.MatchField(schema, field).Bitwidth));
                else
                    builder.Exact(field, value);
            }
        }
        if (e.TryGetValue("action", out var action))
            builder.Action(action.ToString()!, Params(e));
        if (e.TryGetValue("action_set", out var set))
            builder.ActionSet(((List<object>)set).Select(x => Map(x)).Select(a => (Text(a, "action"), (IReadOnlyDictionary<string, P4Value>?)Params(a),
                (int)UInt(a, "weight", 1), a.ContainsKey("watch_port") ? P4Bytes.Encode(UInt(a, "watch_port"), 32) : (ByteString?)null)));
        if (e.TryGetValue("priority", out var priority))
            builder.Priority(int.Parse(priority.ToString()!, CultureInfo.InvariantCulture));
        return e.ContainsKey("default") && !e.ContainsKey("action") ? builder.BuildKey() : builder.Build();
    }

    private static IEnumerable<P4.V1.Replica> Replicas(Dictionary<string, object> m) =>
        List(m, "replicas").Select(x => Map(x)).Select(r => new P4.V1.Replica { Port = P4Bytes.Encode(UInt(r, "port"), 32), Instance = (uint)UInt(r, "instance", 0) });

    private static Dictionary<string, P4Value> Params(Dictionary<string, object> m) =>
        m.TryGetValue("params", out var p) ? Map(p).ToDictionary(kv => kv.Key, kv => (P4Value)kv.Value.ToString()!) : new();

    private static Dictionary<string, object> Map(object o) =>
        ((Dictionary<object, object>)o).ToDictionary(kv => kv.Key.ToString()!, kv => kv.Value);

    private static List<object> List(Dictionary<string, object> m, string key) => m.TryGetValue(key, out var v) ? (List<object>)v : new();

    private static string Text(Dictionary<string, object> m, string key) =>
        m.TryGetValue(key, out var v) ? v.ToString()! : throw new FormatException($"missing '{key}'");

    private static uint UInt(Dictionary<string, object> m, string key, uint? fallback = null) =>
        m.TryGetValue(key, out var v) ? uint.Parse(v.ToString()!, CultureInfo.InvariantCulture)
        : fallback ?? throw new FormatException($"missing '{key}'");
}
