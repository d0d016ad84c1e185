using System.Buffers.Binary;

namespace Offload.Packets.Headers;

/// <summary>The fixed 20-byte IPv4 header; options, if any, are not part of it.</summary>
public struct Ipv4Header
{
    public const int Length = 20;
    public byte Version;
    public byte Ihl;
    public byte Dscp;
    public byte Ecn;
    public ushort TotalLen;
    public ushort Identification;
    public byte Flags;
    public ushort FragOffset;
    public byte Ttl;
    public byte Protocol;
    public ushort HdrChecksum;
    public uint SrcAddr;
    public uint DstAddr;

    public static bool TryRead(ReadOnlySpan<byte> data, out Ipv4Header header)
    {
        header = default;
        if (data.Length < Length)
            return false;
        header.Version = (byte)(data[0] >> 4);
        header.Ihl = (byte)(data[0] & 0xf);
        header.Dscp = (byte)(data[1] >> 2);
        header.Ecn = (byte)(data[1] & 3);
        header.TotalLen = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        header.Identification = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        var flagsFrag = BinaryPrimitives.ReadUInt16BigEndian(data[6..]);
        header.Flags = (byte)(flagsFrag >> 13);
        header.FragOffset = (ushort)(flagsFrag & 0x1fff);
        header.Ttl = data[8];
        header.Protocol = data[9];
        header.HdrChecksum = BinaryPrimitives.ReadUInt16BigEndian(data[10..]);
        header.SrcAddr = BinaryPrimitives.ReadUInt32BigEndian(data[12..]);
        header.DstAddr = BinaryPrimitives.ReadUInt32BigEndian(data[16..]);
        return true;
    }

    public readonly void Write(Span<byte> data)
    {
        data[0] = (byte)(Version << 4 | (Ihl & 0xf));
        data[1] = (byte)(Dscp << 2 | (Ecn & 3));
        BinaryPrimitives.WriteUInt16BigEndian(data[2..], TotalLen);
        BinaryPrimitives.WriteUInt16BigEndian(data[4..], Identification);
        BinaryPrimitives.WriteUInt16BigEndian(data[6..], (ushort)((Flags & 7) << 13 | (FragOffset & 0x1fff)));
        data[8] = Ttl;
        data[9] = Protocol;
        BinaryPrimitives.WriteUInt16BigEndian(data[10..], HdrChecksum);
        BinaryPrimitives.WriteUInt32BigEndian(data[12..], SrcAddr);
        BinaryPrimitives.WriteUInt32BigEndian(data[16..], DstAddr);
    }

    /// <summary>The header checksum over these fields with the checksum field taken as zero.</summary>
    public readonly ushort ComputeChecksum()
    {
        Span<byte> bytes = stackalloc byte[Length];
        var copy = this;
        copy.HdrChecksum = 0;
        copy.Write(bytes);
        return InternetChecksum.Compute(bytes);
    }
}
