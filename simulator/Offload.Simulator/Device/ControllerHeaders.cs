using Google.Protobuf;
using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Schema;
using P4.V1;

namespace Offload.Simulator.Device;

/// <summary>
/// The packet_out and packet_in headers as BMv2's PI packs them: the P4Info fields in order, big-endian bits,
/// prepended to (packet_out) or stripped from (packet_in) the packet.
/// </summary>
internal static class ControllerHeaders
{
    public static byte[] PrependPacketOut(IReadOnlyList<PacketMetadataSchema> fields, PacketOut message)
    {
        var values = Numbered.ValuesOfEach(fields, message.Metadata, m => m.MetadataId, m => m.Value, "packet_out", "metadata");
        var headerLength = (fields.Sum(f => f.Width) + 7) / 8;
        var packet = new byte[headerLength + message.Payload.Length];
        var bit = 0;
        for (var i = 0; i < fields.Count; i++)
        {
            WriteBits(packet, bit, fields[i].Width, values[i]);
            bit += fields[i].Width;
        }
        message.Payload.Span.CopyTo(packet.AsSpan(headerLength));
        return packet;
    }

    public static PacketIn StripPacketIn(IReadOnlyList<PacketMetadataSchema> fields, byte[] packet)
    {
        var headerLength = (fields.Sum(f => f.Width) + 7) / 8;
        var message = new PacketIn { Payload = ByteString.CopyFrom(packet.AsSpan(Math.Min(headerLength, packet.Length))) };
        var bit = 0;
        foreach (var field in fields)
        {
            message.Metadata.Add(new PacketMetadata { MetadataId = field.Id, Value = Values.Canonical(ReadBits(packet, bit, field.Width)) });
            bit += field.Width;
        }
        return message;
    }

    private static void WriteBits(byte[] buffer, int start, int width, UInt128 value)
    {
        for (var i = 0; i < width; i++)
        {
            if (((value >> (width - 1 - i)) & 1) == 1)
                buffer[(start + i) / 8] |= (byte)(0x80 >> ((start + i) % 8));
        }
    }

    private static UInt128 ReadBits(byte[] buffer, int start, int width)
    {
        UInt128 value = 0;
        for (var i = 0; i < width; i++)
        {
            var at = start + i;
            var bit = at / 8 < buffer.Length ? (buffer[at / 8] >> (7 - at % 8)) & 1 : 0;
            value = value << 1 | (uint)bit;
        }
        return value;
    }
}
