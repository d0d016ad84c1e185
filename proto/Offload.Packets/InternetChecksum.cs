using System.Buffers.Binary;

namespace Offload.Packets;

/// <summary>RFC 1071 ones'-complement sums, and the TCP/UDP pseudo-headers of IPv4 and IPv6.</summary>
public static class InternetChecksum
{
    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Add(0, data));

    /// <summary>Adds big-endian 16-bit words to a running 32-bit sum; an odd last byte is padded with zero.</summary>
    public static ulong Add(ulong sum, ReadOnlySpan<byte> data)
    {
        var i = 0;
        for (; i + 1 < data.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (i < data.Length)
            sum += (ulong)data[i] << 8;
        return sum;
    }

    public static ulong AddPseudoHeaderV4(ulong sum, uint src, uint dst, byte protocol, ushort length) =>
        sum + (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + protocol + length;

    public static ulong AddPseudoHeaderV6(ulong sum, UInt128 src, UInt128 dst, byte nextHeader, uint length)
    {
        for (var shift = 0; shift < 128; shift += 16)
            sum += (ulong)((src >> shift) & 0xffff) + (ulong)((dst >> shift) & 0xffff);
        return sum + (length >> 16) + (length & 0xffff) + nextHeader;
    }

    public static ushort Finish(ulong sum)
    {
        while (sum >> 16 != 0)
            sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
