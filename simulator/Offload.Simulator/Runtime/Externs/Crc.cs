namespace Offload.Simulator.Runtime.Externs;

/// <summary>
/// v1model's hash() algorithms over a field list, the fields concatenated big-endian at their P4 widths (whole
/// bytes here): crc32 (IEEE 802.3, reflected) and crc16 (poly 0x8005, reflected, BMv2's "crc16").
/// </summary>
internal static class Crc
{
    private static readonly uint[] Crc32Table = Table(0xEDB88320u);
    private static readonly uint[] Crc16Table = Table(0xA001u);

    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
            crc = Crc32Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    public static ushort Crc16(ReadOnlySpan<byte> data)
    {
        var crc = 0u;
        foreach (var b in data)
            crc = Crc16Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return (ushort)crc;
    }

    /// <summary>The bytes of a field list; widths are in bytes.</summary>
    public static int Concatenate(Span<byte> into, ReadOnlySpan<UInt128> fields, ReadOnlySpan<int> widths)
    {
        var at = 0;
        for (var f = 0; f < fields.Length; f++)
        {
            for (var i = widths[f] - 1; i >= 0; i--)
                into[at++] = (byte)(fields[f] >> (i * 8));
        }
        return at;
    }

    private static uint[] Table(uint reflectedPolynomial)
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
                c = (c & 1) != 0 ? reflectedPolynomial ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
