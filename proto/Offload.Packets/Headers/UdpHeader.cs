using System.Buffers.Binary;

namespace Offload.Packets.Headers;

public struct UdpHeader
{
    public const int Length = 8;
    public ushort SrcPort;
    public ushort DstPort;
    public ushort Len;
    public ushort Checksum;

    public static bool TryRead(ReadOnlySpan<byte> data, out UdpHeader header)
    {
        header = default;
        if (data.Length < Length)
            return false;
        header.SrcPort = BinaryPrimitives.ReadUInt16BigEndian(data);
        header.DstPort = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        header.Len = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        header.Checksum = BinaryPrimitives.ReadUInt16BigEndian(data[6..]);
        return true;
    }

    public readonly void Write(Span<byte> data)
    {
        BinaryPrimitives.WriteUInt16BigEndian(data, SrcPort);
        BinaryPrimitives.WriteUInt16BigEndian(data[2..], DstPort);
        BinaryPrimitives.WriteUInt16BigEndian(data[4..], Len);
        BinaryPrimitives.WriteUInt16BigEndian(data[6..], Checksum);
    }
}
