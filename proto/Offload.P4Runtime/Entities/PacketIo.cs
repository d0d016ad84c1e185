using Google.Protobuf;
using Offload.P4Runtime.Bytestrings;
using Offload.P4Runtime.Schema;

namespace Offload.P4Runtime.Entities;

/// <summary>PacketOut and PacketIn metadata addressed by name (from the P4Info controller headers).</summary>
public static class PacketIo
{
    public const string PacketOutHeader = "packet_out";
    public const string PacketInHeader = "packet_in";

    /// <summary>A PacketOut carrying exactly one value per packet_out metadata field, as the spec requires.</summary>
    public static P4.V1.PacketOut PacketOut(P4InfoIndex index, ReadOnlySpan<byte> payload,
        IReadOnlyDictionary<string, P4Value> metadata)
    {
        var header = index.PacketMetadata[PacketOutHeader];
        foreach (var name in metadata.Keys)
            if (header.Metadata.All(m => m.Name != name))
                throw new P4InfoException($"packet_out has no metadata '{name}'; it has: " +
                                          string.Join(", ", header.Metadata.Select(m => m.Name)));
        var packet = new P4.V1.PacketOut { Payload = ByteString.CopyFrom(payload) };
        foreach (var field in header.Metadata)
        {
            if (!metadata.TryGetValue(field.Name, out var value))
                throw new P4InfoException($"packet_out needs metadata '{field.Name}' (bit<{field.Bitwidth}>)");
            packet.Metadata.Add(new P4.V1.PacketMetadata
            {
                MetadataId = field.Id,
                Value = value.Encode(field.Bitwidth, $"packet_out.{field.Name}"),
            });
        }
        return packet;
    }

    /// <summary>The metadata of a PacketIn by name, each value canonical.</summary>
    public static IReadOnlyDictionary<string, ByteString> Metadata(P4InfoIndex index, P4.V1.PacketIn packet)
    {
        var header = index.PacketMetadata[PacketInHeader];
        var result = new Dictionary<string, ByteString>();
        foreach (var item in packet.Metadata)
        {
            var field = header.Metadata.FirstOrDefault(m => m.Id == item.MetadataId)
                        ?? throw new P4InfoException($"packet_in metadata id {item.MetadataId} is not in the P4Info");
            result[field.Name] = P4Bytes.Canonicalize(item.Value, field.Bitwidth, $"packet_in.{field.Name}");
        }
        return result;
    }
}
