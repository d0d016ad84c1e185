using Offload.P4Runtime.Bytestrings;
using Offload.P4Runtime.Schema;
using P4.V1;

namespace Offload.Controller.Plumbing;

/// <summary>
/// What a spliced connection's packets need rewritten (delayed binding): client → backend, the sequence and
/// acknowledgment numbers move by these amounts (mod 2^32); backend → client by the opposite amounts, crosswise.
/// Zero for every connection the switch places itself.
/// </summary>
public readonly record struct Splice(uint SeqDelta, uint AckDelta)
{
    public bool IsNone => SeqDelta == 0 && AckDelta == 0;

    /// <summary>The backend → client direction: its sequence numbers are the client's acknowledgments, and back.</summary>
    public Splice Reverse => new(0u - AckDelta, 0u - SeqDelta);
}

/// <summary>One client connection to a VIP and the backend it is pinned to, as a connection digest reports it.</summary>
public sealed record Connection(byte IpVersion, UInt128 Client, UInt128 Vip, byte Protocol, ushort ClientPort, ushort VipPort,
    int VipId, int BackendId, Splice Splice = default)
{
    public static Connection Of(ConnectionKey key, int vipId, int backendId, Splice splice = default) =>
        new(key.IpVersion, key.Client, key.Vip, key.Protocol, key.ClientPort, key.VipPort, vipId, backendId, splice);

    public static Connection Of(ConnectionKey key, Sessions.TrackedConnection tracked) => Of(key, tracked.VipId, tracked.BackendId, tracked.Splice);

    /// <summary>Decodes one connection_digest_t, member by name as the P4Info orders them.</summary>
    public static Connection FromDigest(P4InfoIndex p4Info, P4Data data)
    {
        var values = DigestMembers.Read(p4Info, "connection_digest_t", data,
            ["ip_version", "ip_src", "ip_dst", "ip_proto", "l4_src_port", "l4_dst_port", "vip_id", "backend_id"]);
        return new Connection((byte)values["ip_version"], values["ip_src"], values["ip_dst"], (byte)values["ip_proto"],
            (ushort)values["l4_src_port"], (ushort)values["l4_dst_port"], (int)values["vip_id"], (int)values["backend_id"]);
    }
}

/// <summary>A client's FIN or RST on a pinned connection, as connection_end_digest_t reports it.</summary>
public sealed record ConnectionEnd(ConnectionKey Key, byte TcpFlags)
{
    public static ConnectionEnd FromDigest(P4InfoIndex p4Info, P4Data data)
    {
        var values = DigestMembers.Read(p4Info, "connection_end_digest_t", data,
            ["ip_version", "ip_src", "ip_dst", "ip_proto", "l4_src_port", "l4_dst_port", "tcp_flags"]);
        return new ConnectionEnd(new ConnectionKey((byte)values["ip_version"], values["ip_src"], values["ip_dst"], (byte)values["ip_proto"],
            (ushort)values["l4_src_port"], (ushort)values["l4_dst_port"]), (byte)values["tcp_flags"]);
    }
}

internal static class DigestMembers
{
    /// <summary>A digest's members by name, as the P4Info's struct orders them; every required one must be there.</summary>
    public static Dictionary<string, UInt128> Read(P4InfoIndex p4Info, string type, P4Data data, string[] required)
    {
        var members = p4Info.P4Info.TypeInfo.Structs[type].Members;
        if (data.Struct is null)
            throw new FormatException($"{type}: the digest is not a struct");
        var values = new Dictionary<string, UInt128>(StringComparer.Ordinal);
        for (var i = 0; i < members.Count && i < data.Struct.Members.Count; i++)
            values[members[i].Name] = (UInt128)P4Bytes.ToBigInteger(data.Struct.Members[i].Bitstring);
        var missing = required.FirstOrDefault(m => !values.ContainsKey(m));
        return missing is null ? values : throw new FormatException($"{type} without {missing}");
    }
}
