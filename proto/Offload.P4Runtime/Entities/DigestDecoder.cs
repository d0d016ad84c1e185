using Google.Protobuf;
using Offload.P4Runtime.Bytestrings;
using Offload.P4Runtime.Schema;

namespace Offload.P4Runtime.Entities;

/// <summary>Reads the entries of a DigestList by member name, using the digest's struct type from the P4Info.</summary>
public static class DigestDecoder
{
    public static IReadOnlyList<IReadOnlyDictionary<string, ByteString>> Decode(P4InfoIndex index, P4.V1.DigestList list)
    {
        var digest = index.Digests[list.DigestId];
        var structName = digest.TypeSpec?.Struct?.Name
                         ?? throw new P4InfoException($"digest '{digest.Preamble.Name}' is not a struct digest");
        if (index.P4Info.TypeInfo?.Structs.TryGetValue(structName, out var type) != true)
            throw new P4InfoException($"digest '{digest.Preamble.Name}': struct '{structName}' is missing from type_info");
        var result = new List<IReadOnlyDictionary<string, ByteString>>(list.Data.Count);
        foreach (var data in list.Data)
        {
            if (data.DataCase != P4.V1.P4Data.DataOneofCase.Struct || data.Struct.Members.Count != type!.Members.Count)
                throw new P4InfoException($"digest '{digest.Preamble.Name}': entry does not match struct '{structName}' " +
                                          $"({type!.Members.Count} members)");
            var entry = new Dictionary<string, ByteString>(type.Members.Count);
            for (var i = 0; i < type.Members.Count; i++)
            {
                var member = type.Members[i];
                var width = member.TypeSpec?.Bitstring?.Bit?.Bitwidth
                            ?? throw new P4InfoException($"digest member '{member.Name}' is not a bit<W>");
                entry[member.Name] = P4Bytes.Canonicalize(data.Struct.Members[i].Bitstring, width,
                    $"{digest.Preamble.Name}.{member.Name}");
            }
            result.Add(entry);
        }
        return result;
    }
}
