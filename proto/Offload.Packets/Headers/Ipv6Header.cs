using System.Buffers.Binary;

namespace Offload.Packets.Headers;

public struct Ipv6Header
{
    public const int Length = 40;
    public byte Version;
    public byte TrafficClass;
    public uint FlowLabel;  // 20 bits
    public ushort PayloadLen;
    public byte NextHdr;
    public byte HopLimit;
    public UInt128 SrcAddr;
    public UInt128 DstAddr;

    public static bool TryRead(ReadOnlySpan<byte> data, out Ipv6Header header)
    {
        header = default;
        if (data.Length < Length)
            return false;
        var first = BinaryPrimitives.ReadUInt32BigEndian(data);
        header.Version = (byte)(first >> 28);
        header.TrafficClass = (byte)(first >> 20);
        header.FlowLabel = first & 0xfffff;
        header.PayloadLen = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        header.NextHdr = data[6];
        header.HopLimit = data[7];
        header.SrcAddr = BinaryPrimitives.ReadUInt128BigEndian(data[8..]);
        header.DstAddr = BinaryPrimitives.ReadUInt128BigEndian(data[24..]);
        return true;
    }

    public readonly void Write(Span<byte> data)
    {
        BinaryPrimitives.WriteUInt32BigEndian(data, (uint)Version << 28 | (uint)TrafficClass << 20 | (FlowLabel & 0xfffff));
        BinaryPrimitives.WriteUInt16BigEndian(data[4..], PayloadLen);
        data[6] = NextHdr;
        data[7] = HopLimit;
        BinaryPrimitives.WriteUInt128BigEndian(data[8..], SrcAddr);
        BinaryPrimitives.WriteUInt128BigEndian(data[24..], DstAddr);
    }
}
