using Offload.P4Runtime.Bytestrings;

namespace Offload.P4Runtime.Wire;

/// <summary>
/// Writes protobuf wire format into a span as Google.Protobuf does for proto3: fields in the order written (write
/// them by field number), zero varints left out. Nested messages are opened and closed in place; the span must be
/// large enough for the whole message.
/// </summary>
public ref struct WireWriter(Span<byte> buffer)
{
    private readonly Span<byte> _buffer = buffer;

    public int Length { get; private set; }

    public readonly ReadOnlySpan<byte> Written => _buffer[..Length];

    /// <summary>A varint field; zero, proto3's default, is not written.</summary>
    public void Varint(int field, ulong value)
    {
        if (value == 0)
            return;
        RawVarint((ulong)field << 3);
        RawVarint(value);
    }

    public void Bytes(int field, scoped ReadOnlySpan<byte> value)
    {
        RawVarint(((ulong)field << 3) | 2);
        RawVarint((ulong)value.Length);
        value.CopyTo(_buffer[Length..]);
        Length += value.Length;
    }

    /// <summary>A canonical P4Runtime bytestring field: the value's big-endian bytes without leading zeros, one byte for zero.</summary>
    public void Canonical(int field, UInt128 value)
    {
        Span<byte> scratch = stackalloc byte[16];
        Bytes(field, P4Bytes.Canonical(value, scratch));
    }

    /// <summary>Opens a nested message field; returns where it starts, for <see cref="EndMessage"/>.</summary>
    public int BeginMessage(int field)
    {
        RawVarint(((ulong)field << 3) | 2);
        return Length++;
    }

    /// <summary>Closes the nested message opened at <paramref name="start"/>: writes its length, moving it up when that takes more than a byte.</summary>
    public void EndMessage(int start)
    {
        var length = Length - start - 1;
        var size = VarintSize((ulong)length);
        if (size > 1)
            _buffer.Slice(start + 1, length).CopyTo(_buffer[(start + size)..]);
        var end = Length + size - 1;
        Length = start;
        RawVarint((ulong)length);
        Length = end;
    }

    private void RawVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer[Length++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _buffer[Length++] = (byte)value;
    }

    private static int VarintSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }
        return size;
    }
}
