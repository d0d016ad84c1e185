using System.Buffers.Binary;
using Google.Protobuf;
using Offload.P4Runtime.Bytestrings;

namespace Offload.Simulator.Runtime;

/// <summary>P4Runtime bytestrings ↔ the runtime's values (every field of offload.p4 fits in 128 bits).</summary>
internal static class Values
{
    public const int MaxWidth = 128;

    public static UInt128 Mask(int width) => width >= 128 ? UInt128.MaxValue : (UInt128.One << width) - 1;

    /// <summary>Any length is accepted if the value fits; empty → INVALID_ARGUMENT, too wide → OUT_OF_RANGE.</summary>
    public static UInt128 Parse(ByteString bytes, int width, string what) => Parse(bytes, width, what, null, null);

    /// <summary>As <see cref="Parse(ByteString, int, string)"/>, naming the value "owner.name part" only when it is refused.</summary>
    public static UInt128 Parse(ByteString bytes, int width, string owner, string? name, string? part)
    {
        var span = bytes.Span;
        if (span.IsEmpty)
            throw P4Error.InvalidArgument($"{Describe(owner, name, part)}: empty bytestring");
        var first = 0;
        while (first < span.Length && span[first] == 0)
            first++;
        var significant = span[first..];
        if (significant.Length > 16)
            throw TooWide(bytes, width, Describe(owner, name, part));
        Span<byte> padded = stackalloc byte[16];
        significant.CopyTo(padded[(16 - significant.Length)..]);
        var value = BinaryPrimitives.ReadUInt128BigEndian(padded);
        if (width < 128 && value >> width != 0)
            throw TooWide(bytes, width, Describe(owner, name, part));
        return value;
    }

    public static ByteString Canonical(UInt128 value) => P4Bytes.Canonical(value);

    private static string Describe(string owner, string? name, string? part) =>
        name is null ? owner : part is null ? $"{owner}.{name}" : $"{owner}.{name} {part}";

    private static P4Error TooWide(ByteString bytes, int width, string what) =>
        P4Error.OutOfRange($"{what}: 0x{Convert.ToHexString(bytes.Span)} does not fit in {width} bits");
}
