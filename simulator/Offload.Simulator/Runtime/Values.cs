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
        if (bytes.IsEmpty)
            throw P4Error.InvalidArgument($"{Describe(owner, name, part)}: empty bytestring");
        return TryParse(bytes.Span, width, out var value) ? value : throw TooWide(bytes, width, Describe(owner, name, part));
    }

    /// <summary>The value of a non-empty bytestring that fits in <paramref name="width"/> bits; false for any other.</summary>
    public static bool TryParse(ReadOnlySpan<byte> span, int width, out UInt128 value)
    {
        value = 0;
        if (span.IsEmpty)
            return false;
        var first = 0;
        while (first < span.Length && span[first] == 0)
            first++;
        if (span.Length - first > 16)
            return false;
        for (var i = first; i < span.Length; i++)
            value = (value << 8) | span[i];
        return width >= 128 || value >> width == 0;
    }

    public static ByteString Canonical(UInt128 value) => P4Bytes.Canonical(value);

    private static string Describe(string owner, string? name, string? part) =>
        name is null ? owner : part is null ? $"{owner}.{name}" : $"{owner}.{name} {part}";

    private static P4Error TooWide(ByteString bytes, int width, string what) =>
        P4Error.OutOfRange($"{what}: 0x{Convert.ToHexString(bytes.Span)} does not fit in {width} bits");
}
