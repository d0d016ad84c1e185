using System.Buffers.Binary;

namespace Offload.Packets.Headers;

/// <summary>The first four bytes of ICMP and ICMPv6 (type, code, checksum).</summary>
public struct IcmpHeader
{
    public const int Length = 4;
    public byte Type;
    public byte Code;
    public ushort Checksum;

    public static bool TryRead(ReadOnlySpan<byte> data, out IcmpHeader header)
    {
        header = default;
        if (data.Length < Length)
            return false;
        header.Type = data[0];
        header.Code = data[1];
        header.Checksum = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        return true;
    }

    public readonly void Write(Span<byte> data)
    {
        data[0] = Type;
        data[1] = Code;
        BinaryPrimitives.WriteUInt16BigEndian(data[2..], Checksum);
    }
}
