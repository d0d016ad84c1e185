namespace Offload.P4Runtime.Wire;

/// <summary>
/// Reads protobuf wire format from a span, field by field: varints and length-delimited fields only. Every read says
/// false on anything malformed or unexpected, so a caller that gives up never acts on half-read input.
/// </summary>
public ref struct WireReader(ReadOnlySpan<byte> span)
{
    public const int Varint = 0, LengthDelimited = 2;

    private readonly ReadOnlySpan<byte> _span = span;
    private int _position;

    public readonly bool AtEnd => _position == _span.Length;

    /// <summary>The next field's number and wire type; false at the end or on a malformed tag.</summary>
    public bool TryReadTag(out int field, out int wireType)
    {
        field = wireType = 0;
        if (AtEnd || !TryReadVarint(out var tag) || tag > int.MaxValue)
            return false;
        field = (int)(tag >> 3);
        wireType = (int)(tag & 7);
        return field > 0;
    }

    public bool TryReadVarint(out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && _position < _span.Length; shift += 7)
        {
            var b = _span[_position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
                return shift < 63 || b <= 1;
        }
        return false;
    }

    public bool TryReadLengthDelimited(out ReadOnlySpan<byte> field)
    {
        field = default;
        if (!TryReadVarint(out var length) || length > (ulong)(_span.Length - _position))
            return false;
        field = _span.Slice(_position, (int)length);
        _position += (int)length;
        return true;
    }

    /// <summary>The value of a field whose tag was just read, if it has the wire type asked for.</summary>
    public bool TryReadVarint(int wireType, out ulong value)
    {
        value = 0;
        return wireType == Varint && TryReadVarint(out value);
    }

    public bool TryReadLengthDelimited(int wireType, out ReadOnlySpan<byte> field)
    {
        field = default;
        return wireType == LengthDelimited && TryReadLengthDelimited(out field);
    }
}
