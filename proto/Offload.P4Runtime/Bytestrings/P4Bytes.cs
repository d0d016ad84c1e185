using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using Google.Protobuf;
using Offload.Grpc;

namespace Offload.P4Runtime.Bytestrings;

/// <summary>
/// P4Runtime bytestrings: big-endian, canonical = the shortest string holding the value (zero is
/// one 0x00 byte). Any valid length is accepted on input; output is always canonical.
/// </summary>
public static class P4Bytes
{
    public static ByteString Encode(BigInteger value, int bitwidth)
    {
        if (value.Sign < 0)
            throw new P4EncodingException(StatusCode.InvalidArgument, $"negative value {value} for bit<{bitwidth}>");
        if (bitwidth <= 0)
            throw new P4EncodingException(StatusCode.InvalidArgument, $"invalid bitwidth {bitwidth}");
        if (value.GetBitLength() > bitwidth)
            throw new P4EncodingException(StatusCode.OutOfRange, $"value {value} does not fit in {bitwidth} bits");
        if (value.IsZero)
            return ByteString.CopyFrom(0);
        return ByteString.CopyFrom(value.ToByteArray(isUnsigned: true, isBigEndian: true));
    }

    public static ByteString Encode(ulong value, int bitwidth) => Encode(new BigInteger(value), bitwidth);

    /// <summary>Validates a received bytestring against its width and returns its canonical form.</summary>
    public static ByteString Canonicalize(ByteString value, int bitwidth, string what = "value")
    {
        var span = value.Span;
        if (span.IsEmpty)
            throw new P4EncodingException(StatusCode.InvalidArgument, $"{what}: empty bytestring");
        var first = 0;
        while (first < span.Length - 1 && span[first] == 0)
            first++;
        var significant = span[first..];
        var bits = (significant.Length - 1) * 8 + (32 - BitOperations.LeadingZeroCount((uint)significant[0]));
        if (significant[0] != 0 && bits > bitwidth)
            throw new P4EncodingException(StatusCode.OutOfRange,
                $"{what}: bytestring 0x{Convert.ToHexString(span)} does not fit in {bitwidth} bits");
        return first == 0 ? value : ByteString.CopyFrom(significant);
    }

    public static bool IsCanonical(ByteString value) =>
        value.Length == 1 || value.Length > 1 && value.Span[0] != 0;

    public static BigInteger ToBigInteger(ByteString value) =>
        new(value.Span, isUnsigned: true, isBigEndian: true);

    /// <summary>The canonical bytestring of a value of up to 128 bits, without allocating a BigInteger (hot paths).</summary>
    public static ByteString Canonical(UInt128 value) => ByteString.CopyFrom(Canonical(value, stackalloc byte[16]));

    /// <summary>The canonical bytes of a value of up to 128 bits, written into a 16-byte scratch span: the part of it that holds them.</summary>
    public static ReadOnlySpan<byte> Canonical(UInt128 value, Span<byte> scratch)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(scratch, value);
        var first = 0;
        while (first < 15 && scratch[first] == 0)
            first++;
        return scratch[first..16];
    }

    /// <summary>A bytestring's value when it fits in 128 bits (leading zero bytes allowed).</summary>
    public static UInt128 ToUInt128(ByteString value)
    {
        var span = value.Span;
        while (span.Length > 16 && span[0] == 0)
            span = span[1..];
        if (span.Length > 16)
            throw new P4EncodingException(StatusCode.OutOfRange, $"0x{Convert.ToHexString(value.Span)} exceeds 128 bits");
        Span<byte> buffer = stackalloc byte[16];
        span.CopyTo(buffer[(16 - span.Length)..]);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(buffer);
    }

    public static ulong ToUInt64(ByteString value)
    {
        var v = ToBigInteger(value);
        return v > ulong.MaxValue
            ? throw new P4EncodingException(StatusCode.OutOfRange, $"0x{Convert.ToHexString(value.Span)} exceeds 64 bits")
            : (ulong)v;
    }

    /// <summary>The value padded to exactly ceil(bitwidth/8) bytes, as a switch stores it.</summary>
    public static byte[] ToFixedWidth(ByteString value, int bitwidth)
    {
        var canonical = Canonicalize(value, bitwidth).Span;
        var width = (bitwidth + 7) / 8;
        var result = new byte[width];
        canonical.CopyTo(result.AsSpan(width - canonical.Length));
        return result;
    }

    /// <summary>
    /// Parses a value as an operator writes it: decimal, 0x-hex, 0b-binary, IPv4, IPv6, or a MAC
    /// address (aa:bb:cc:dd:ee:ff or aa-bb-...).
    /// </summary>
    public static ByteString Parse(string text, int bitwidth)
    {
        var t = text.Trim();
        if (t.Length == 0)
            throw new P4EncodingException(StatusCode.InvalidArgument, "empty value");
        if (TryParseMac(t, out var mac))
            return Encode(mac, bitwidth);
        if (t.Contains(':') || t.Count(c => c == '.') == 3)
        {
            if (!IPAddress.TryParse(t, out var ip))
                throw new P4EncodingException(StatusCode.InvalidArgument, $"'{text}' is not an IP or MAC address");
            var expected = ip.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
            if (bitwidth < expected)
                throw new P4EncodingException(StatusCode.OutOfRange,
                    $"'{text}' is a {expected}-bit address but the field is {bitwidth} bits");
            return Encode(new BigInteger(ip.GetAddressBytes(), isUnsigned: true, isBigEndian: true), bitwidth);
        }
        return Encode(ParseNumber(t, text), bitwidth);
    }

    private static BigInteger ParseNumber(string t, string original)
    {
        try
        {
            if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
                return BigInteger.Parse("0" + t[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            if (t.StartsWith("0b", StringComparison.OrdinalIgnoreCase))
                return BigInteger.Parse("0" + t[2..], NumberStyles.AllowBinarySpecifier, CultureInfo.InvariantCulture);
            return BigInteger.Parse(t, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        catch (FormatException)
        {
            throw new P4EncodingException(StatusCode.InvalidArgument,
                $"'{original}' is not a number, IP address or MAC address");
        }
    }

    private static bool TryParseMac(string t, out BigInteger value)
    {
        value = default;
        var parts = t.Split(':', '-');
        if (parts.Length != 6 || parts.Any(p => p.Length is < 1 or > 2 || !p.All(Uri.IsHexDigit)))
            return false;
        var bytes = parts.Select(p => Convert.ToByte(p, 16)).ToArray();
        value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        return true;
    }

    /// <summary>Formats for people: MAC for 48 bits, IPv4 for 32, IPv6 for 128, else decimal.</summary>
    public static string Format(ByteString value, int bitwidth)
    {
        var fixedWidth = ToFixedWidth(value, bitwidth);
        return bitwidth switch
        {
            48 => string.Join(':', fixedWidth.Select(b => b.ToString("x2"))),
            32 => new IPAddress(fixedWidth).ToString(),
            128 => new IPAddress(fixedWidth).ToString(),
            _ => ToBigInteger(value).ToString(CultureInfo.InvariantCulture),
        };
    }
}
