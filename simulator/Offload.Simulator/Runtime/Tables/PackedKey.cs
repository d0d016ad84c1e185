using Offload.Simulator.Runtime.Schema;

namespace Offload.Simulator.Runtime.Tables;

/// <summary>A table key packed into four 128-bit limbs: cheap to hash and compare, no allocation.</summary>
internal readonly record struct PackedKey(UInt128 A, UInt128 B, UInt128 C, UInt128 D);

/// <summary>
/// Where each field of a table's key lives in a <see cref="PackedKey"/>: fields never straddle limbs. A key of at
/// most 128 bits fits the first limb alone (<see cref="IsNarrow"/>), which the exact index stores as one UInt128.
/// </summary>
internal sealed class KeyLayout
{
    private readonly (int Limb, int Shift, UInt128 Mask)[] _slots;

    public KeyLayout(IReadOnlyList<FieldSchema> fields, string table)
    {
        _slots = new (int, int, UInt128)[fields.Count];
        int limb = 0, used = 0;
        for (var i = 0; i < fields.Count; i++)
        {
            if (fields[i].Width > Values.MaxWidth)
                throw P4Error.InvalidArgument($"table {table}: field {fields[i].Name} is {fields[i].Width} bits; the simulator supports up to 128");
            if (used + fields[i].Width > 128)
            {
                limb++;
                used = 0;
            }
            if (limb > 3)
                throw P4Error.InvalidArgument($"table {table}: the key is wider than the simulator's 512-bit packing");
            _slots[i] = (limb, used, fields[i].FullMask);
            used += fields[i].Width;
        }
        IsNarrow = limb == 0;
    }

    public bool IsNarrow { get; }

    public PackedKey Pack(ReadOnlySpan<UInt128> values)
    {
        UInt128 a = 0, b = 0, c = 0, d = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var (limb, shift, _) = _slots[i];
            var v = values[i] << shift;
            switch (limb)
            {
                case 0: a |= v; break;
                case 1: b |= v; break;
                case 2: c |= v; break;
                default: d |= v; break;
            }
        }
        return new PackedKey(a, b, c, d);
    }

    public UInt128[] Unpack(PackedKey key)
    {
        var values = new UInt128[_slots.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var (limb, shift, mask) = _slots[i];
            var word = limb switch { 0 => key.A, 1 => key.B, 2 => key.C, _ => key.D };
            values[i] = (word >> shift) & mask;
        }
        return values;
    }
}
