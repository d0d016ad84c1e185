using Offload.P4Runtime.Bytestrings;
using Offload.P4Runtime.Schema;
using P4.V1;

namespace Offload.Controller.Plumbing;

/// <summary>One client connection to a VIP and the backend it is pinned to, as a connection digest reports it.</summary>
public sealed record Connection(byte IpVersion, UInt128 Client, UInt128 Vip, byte Protocol, ushort ClientPort, ushort VipPort,
    int VipId, int BackendId)
{
    private static readonly string[] Members = ["ip_version", "ip_src", "ip_dst", "ip_proto", "l4_src_port", "l4_dst_port", "vip_id", "backend_id"];

    /// <summary>Decodes one connection_digest_t, member by name as the P4Info orders them.</summary>
    public static Connection FromDigest(P4InfoIndex p4Info, P4Data data)
    {
        var type = p4Info.P4Info.TypeInfo.Structs["connection_digest_t"];
        var values = new Dictionary<string, UInt128>(StringComparer.Ordinal);
        for (var i = 0; i < type.Members.Count && i < data.Struct.Members.Count; i++)
            values[type.Members[i].Name] = (UInt128)P4Bytes.ToBigInteger(data.Struct.Members[i].Bitstring);
        var missing = Members.FirstOrDefault(m => !values.ContainsKey(m));
        if (missing is not null)
            throw new FormatException($"connection digest without {missing}");
        return new Connection((byte)values["ip_version"], values["ip_src"], values["ip_dst"], (byte)values["ip_proto"],
            (ushort)values["l4_src_port"], (ushort)values["l4_dst_port"], (int)values["vip_id"], (int)values["backend_id"]);
    }
}
