using System.Buffers.Binary;

namespace Offload.Packets.Headers;

/// <summary>The fixed 20-byte TCP header; options stay in the payload.</summary>
public struct TcpHeader
{
    public const int Length = 20;
    public const byte FlagFin = 0x01, FlagSyn = 0x02, FlagRst = 0x04, FlagPsh = 0x08, FlagAck = 0x10;
    public ushort SrcPort;
    public ushort DstPort;
    public uint SeqNo;
    public uint AckNo;
    public byte DataOffset;
    public byte Res;
    public byte Flags;
    public ushort Window;
    public ushort Checksum;
    public ushort UrgentPtr;

    public static bool TryRead(ReadOnlySpan<byte> data, out TcpHeader header)
    {
        header = default;
        if (data.Length < Length)
            return false;
        header.SrcPort = BinaryPrimitives.ReadUInt16BigEndian(data);
        header.DstPort = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        header.SeqNo = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        header.AckNo = BinaryPrimitives.ReadUInt32BigEndian(data[8..]);
        header.DataOffset = (byte)(data[12] >> 4);
        header.Res = (byte)(data[12] & 0xf);
        header.Flags = data[13];
        header.Window = BinaryPrimitives.ReadUInt16BigEndian(data[14..]);
        header.Checksum = BinaryPrimitives.ReadUInt16BigEndian(data[16..]);
        header.UrgentPtr = BinaryPrimitives.ReadUInt16BigEndian(data[18..]);
        return true;
    }

    public readonly void Write(Span<byte> data)
    {
        BinaryPrimitives.WriteUInt16BigEndian(data, SrcPort);
        BinaryPrimitives.WriteUInt16BigEndian(data[2..], DstPort);
        BinaryPrimitives.WriteUInt32BigEndian(data[4..], SeqNo);
        BinaryPrimitives.WriteUInt32BigEndian(data[8..], AckNo);
        data[12] = (byte)(DataOffset << 4 | (Res & 0xf));
        data[13] = Flags;
        BinaryPrimitives.WriteUInt16BigEndian(data[14..], Window);
        BinaryPrimitives.WriteUInt16BigEndian(data[16..], Checksum);
        BinaryPrimitives.WriteUInt16BigEndian(data[18..], UrgentPtr);
    }
}
