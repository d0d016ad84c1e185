using System.Buffers.Binary;

namespace Offload.Packets.Headers;

/// <summary>ARP for IPv4 over Ethernet (28 bytes).</summary>
public struct ArpHeader
{
    public const int Length = 28;
    public ushort HType;
    public ushort PType;
    public byte HLen;
    public byte PLen;
    public ushort Oper;
    public ulong Sha;
    public uint Spa;
    public ulong Tha;
    public uint Tpa;

    public static bool TryRead(ReadOnlySpan<byte> data, out ArpHeader header)
    {
        header = default;
        if (data.Length < Length)
            return false;
        header.HType = BinaryPrimitives.ReadUInt16BigEndian(data);
        header.PType = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        header.HLen = data[4];
        header.PLen = data[5];
        header.Oper = BinaryPrimitives.ReadUInt16BigEndian(data[6..]);
        header.Sha = Bits.ReadUInt48(data[8..]);
        header.Spa = BinaryPrimitives.ReadUInt32BigEndian(data[14..]);
        header.Tha = Bits.ReadUInt48(data[18..]);
        header.Tpa = BinaryPrimitives.ReadUInt32BigEndian(data[24..]);
        return true;
    }

    public readonly void Write(Span<byte> data)
    {
        BinaryPrimitives.WriteUInt16BigEndian(data, HType);
        BinaryPrimitives.WriteUInt16BigEndian(data[2..], PType);
        data[4] = HLen;
        data[5] = PLen;
        BinaryPrimitives.WriteUInt16BigEndian(data[6..], Oper);
        Bits.WriteUInt48(data[8..], Sha);
        BinaryPrimitives.WriteUInt32BigEndian(data[14..], Spa);
        Bits.WriteUInt48(data[18..], Tha);
        BinaryPrimitives.WriteUInt32BigEndian(data[24..], Tpa);
    }
}
