using System.Buffers.Binary;

namespace Offload.Packets.Headers;

public struct EthernetHeader
{
    public const int Length = 14;
    public ulong DstAddr;   // 48 bits
    public ulong SrcAddr;   // 48 bits
    public ushort EtherType;

    public static bool TryRead(ReadOnlySpan<byte> data, out EthernetHeader header)
    {
        header = default;
        if (data.Length < Length)
            return false;
        header.DstAddr = Bits.ReadUInt48(data);
        header.SrcAddr = Bits.ReadUInt48(data[6..]);
        header.EtherType = BinaryPrimitives.ReadUInt16BigEndian(data[12..]);
        return true;
    }

    public readonly void Write(Span<byte> data)
    {
        Bits.WriteUInt48(data, DstAddr);
        Bits.WriteUInt48(data[6..], SrcAddr);
        BinaryPrimitives.WriteUInt16BigEndian(data[12..], EtherType);
    }
}
