using System.Globalization;
using System.Numerics;
using P4.V1;

namespace Offload.P4Runtime.Session;

/// <summary>A 128-bit election id, ordered as P4Runtime compares them (high, then low, unsigned).</summary>
public readonly record struct ElectionId(ulong High, ulong Low) : IComparable<ElectionId>
{
    public int CompareTo(ElectionId other) =>
        High != other.High ? High.CompareTo(other.High) : Low.CompareTo(other.Low);

    public static bool operator <(ElectionId a, ElectionId b) => a.CompareTo(b) < 0;
    public static bool operator >(ElectionId a, ElectionId b) => a.CompareTo(b) > 0;
    public static bool operator <=(ElectionId a, ElectionId b) => a.CompareTo(b) <= 0;
    public static bool operator >=(ElectionId a, ElectionId b) => a.CompareTo(b) >= 0;

    public Uint128 ToProto() => new() { High = High, Low = Low };

    public static ElectionId FromProto(Uint128 value) => new(value.High, value.Low);

    /// <summary>Parses "N" (decimal, up to 128 bits) or "HIGH:LOW".</summary>
    public static ElectionId Parse(string text)
    {
        var t = text.Trim();
        var colon = t.IndexOf(':');
        if (colon >= 0)
            return new(ulong.Parse(t[..colon], CultureInfo.InvariantCulture), ulong.Parse(t[(colon + 1)..], CultureInfo.InvariantCulture));
        var value = BigInteger.Parse(t, NumberStyles.None, CultureInfo.InvariantCulture);
        if (value.GetBitLength() > 128)
            throw new FormatException($"election id {t} exceeds 128 bits");
        return new((ulong)(value >> 64), (ulong)(value & ulong.MaxValue));
    }

    public override string ToString() =>
        High == 0 ? Low.ToString(CultureInfo.InvariantCulture) : $"{High}:{Low}";
}
