using System.Buffers.Binary;

namespace Offload.Packets.Headers;

public struct VlanHeader
{
    public const int Length = 4;
    public byte Pcp;        // 3 bits
    public byte Dei;        // 1 bit
    public ushort VlanId;   // 12 bits
    public ushort EtherType;

    public static bool TryRead(ReadOnlySpan<byte> data, out VlanHeader header)
    {
        header = default;
        if (data.Length < Length)
            return false;
        var tci = BinaryPrimitives.ReadUInt16BigEndian(data);
        header.Pcp = (byte)(tci >> 13);
        header.Dei = (byte)((tci >> 12) & 1);
        header.VlanId = (ushort)(tci & 0xfff);
        header.EtherType = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        return true;
    }

    public readonly void Write(Span<byte> data)
    {
        BinaryPrimitives.WriteUInt16BigEndian(data, (ushort)((Pcp & 7) << 13 | (Dei & 1) << 12 | (VlanId & 0xfff)));
        BinaryPrimitives.WriteUInt16BigEndian(data[2..], EtherType);
    }
}
