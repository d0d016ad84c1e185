namespace Offload.Controller.LoadBalancing;

/// <summary>
/// A Maglev lookup table (Eisenbud et al., NSDI 2016) with weights: every backend walks its own permutation of the
/// slots, taking free ones in turns; a backend of weight w takes w turns for every turn of a weight-1 backend. The
/// size is a prime, so every permutation covers every slot. Changing the set moves few slots (see <see cref="ChangedSlots"/>).
/// </summary>
public sealed class MaglevTable
{
    private readonly int[] _slots;

    private MaglevTable(int[] slots) => _slots = slots;

    public int Size => _slots.Length;
    public int this[int slot] => _slots[slot];

    /// <summary>The backend id for a flow hash.</summary>
    public int Lookup(ulong hash) => _slots[(int)(hash % (ulong)_slots.Length)];

    /// <summary>The smallest prime at least <paramref name="minimum"/> and at least 100 × the number of backends.</summary>
    public static int SizeFor(int backends, int minimum)
    {
        var size = Math.Max(minimum, 100 * Math.Max(1, backends));
        while (!IsPrime(size))
            size++;
        return size;
    }

    public static MaglevTable Build(IReadOnlyList<(int Id, int Weight)> backends, int size)
    {
        if (!IsPrime(size))
            throw new ArgumentException($"the Maglev table size {size} must be prime", nameof(size));
        var ordered = backends.Where(b => b.Weight > 0).OrderBy(b => b.Id).ToArray();
        if (ordered.Length == 0)
            throw new ArgumentException("a Maglev table needs at least one backend with a positive weight", nameof(backends));
        var slots = new int[size];
        Array.Fill(slots, -1);
        var offset = new long[ordered.Length];
        var skip = new long[ordered.Length];
        var next = new long[ordered.Length];
        var credit = new double[ordered.Length];
        var maxWeight = ordered.Max(b => b.Weight);
        for (var i = 0; i < ordered.Length; i++)
        {
            offset[i] = (long)(StableHash.Of((ulong)ordered[i].Id) % (ulong)size);
            skip[i] = (long)(StableHash.Mix((ulong)ordered[i].Id, 0x5eed) % (ulong)(size - 1)) + 1;
        }
        var filled = 0;
        while (filled < size)
        {
            for (var i = 0; i < ordered.Length && filled < size; i++)
            {
                credit[i] += (double)ordered[i].Weight / maxWeight;
                while (credit[i] >= 1 && filled < size)
                {
                    credit[i] -= 1;
                    long slot;
                    do
                    {
                        slot = (offset[i] + next[i] * skip[i]) % size;
                        next[i]++;
                    }
                    while (slots[slot] >= 0);
                    slots[slot] = ordered[i].Id;
                    filled++;
                }
            }
        }
        return new MaglevTable(slots);
    }

    /// <summary>How many slots name a different backend in the two tables (same size).</summary>
    public static int ChangedSlots(MaglevTable before, MaglevTable after)
    {
        if (before.Size != after.Size)
            throw new ArgumentException("tables of different sizes are not comparable");
        var changed = 0;
        for (var i = 0; i < before.Size; i++)
        {
            if (before._slots[i] != after._slots[i])
                changed++;
        }
        return changed;
    }

    private static bool IsPrime(int n)
    {
        if (n < 2)
            return false;
        for (var d = 2; (long)d * d <= n; d++)
        {
            if (n % d == 0)
                return false;
        }
        return true;
    }
}
