using System.Numerics;
using Google.Protobuf;
using Offload.P4Runtime.Bytestrings;

namespace Offload.P4Runtime.Entities;

/// <summary>
/// A value for a match field, parameter or metadata, given as text ("10.0.0.1", "0x1f",
/// "aa:bb:cc:dd:ee:ff"), a number or raw bytes; encoded once its field's width is known.
/// </summary>
public readonly struct P4Value
{
    private readonly string? _text;
    private readonly BigInteger? _number;
    private readonly ByteString? _bytes;

    private P4Value(string? text, BigInteger? number, ByteString? bytes)
    {
        _text = text;
        _number = number;
        _bytes = bytes;
    }

    public static implicit operator P4Value(string text) => new(text, null, null);
    public static implicit operator P4Value(byte number) => new(null, number, null);
    public static implicit operator P4Value(ushort number) => new(null, number, null);
    public static implicit operator P4Value(int number) => new(null, number, null);
    public static implicit operator P4Value(uint number) => new(null, number, null);
    public static implicit operator P4Value(long number) => new(null, number, null);
    public static implicit operator P4Value(ulong number) => new(null, number, null);
    public static implicit operator P4Value(BigInteger number) => new(null, number, null);
    public static implicit operator P4Value(byte[] bytes) => new(null, null, ByteString.CopyFrom(bytes));
    public static implicit operator P4Value(ByteString bytes) => new(null, null, bytes);

    public ByteString Encode(int bitwidth, string what)
    {
        try
        {
            if (_text is not null)
                return P4Bytes.Parse(_text, bitwidth);
            if (_number is { } n)
                return P4Bytes.Encode(n, bitwidth);
            return P4Bytes.Canonicalize(_bytes ?? ByteString.Empty, bitwidth, what);
        }
        catch (P4EncodingException ex)
        {
            throw new P4EncodingException(ex.Code, $"{what}: {ex.Message}");
        }
    }

    public override string ToString() =>
        _text ?? _number?.ToString() ?? "0x" + Convert.ToHexString((_bytes ?? ByteString.Empty).Span);
}
