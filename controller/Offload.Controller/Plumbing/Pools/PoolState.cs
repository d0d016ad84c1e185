namespace Offload.Controller.Plumbing.Pools;

/// <summary>
/// A backend in a pool version: its weight, and the switch port toward it. The data-plane selector skips a member
/// whose watch port is down (P4Runtime watch_port), before the controller has even noticed; 0 watches nothing.
/// </summary>
public readonly record struct PoolMember(int BackendId, int Weight, uint WatchPort = 0);

/// <summary>One version of a VIP's pool: the backends the data-plane selector picks from, with their weights.</summary>
public sealed record PoolMembers(IReadOnlyList<PoolMember> Backends)
{
    public static PoolMembers Of(IEnumerable<PoolMember> backends) => new(backends.OrderBy(b => b.BackendId).ToList());

    public bool Equals(PoolMembers? other) => other is not null && Backends.SequenceEqual(other.Backends);

    public override int GetHashCode() => Backends.Aggregate(0, HashCode.Combine);

    public override string ToString() => string.Join(",", Backends.Select(b => $"{b.BackendId}×{b.Weight}"));
}

/// <summary>Where a VIP's pool change stands (pool_versions.p4's set_pool_version phase).</summary>
public enum TransitPhase : byte
{
    Steady = 0,
    Recording = 1,
    Draining = 2,
}

/// <summary>
/// A data-plane-select VIP's pool on one switch: the versions the switch holds (one, or two during a change) and
/// the vip_pool entry that says which one new flows take.
/// </summary>
public sealed record PoolState(int VipId, IReadOnlyDictionary<byte, PoolMembers> Versions, byte Current, byte Previous, TransitPhase Phase, byte Epoch)
{
    public PoolMembers CurrentMembers => Versions[Current];

    public static PoolState First(int vipId, PoolMembers members) =>
        new(vipId, new Dictionary<byte, PoolMembers> { [1] = members }, 1, 1, TransitPhase.Steady, 0);

    /// <summary>Step 1: the new version exists beside the current one, which every flow still takes; every miss is recorded.</summary>
    public PoolState Record(PoolMembers members, byte epoch)
    {
        var next = NextVersion(Current);
        return this with { Versions = new Dictionary<byte, PoolMembers> { [Current] = CurrentMembers, [next] = members }, Previous = Current, Phase = TransitPhase.Recording, Epoch = epoch };
    }

    /// <summary>Step 2: new flows take the new version; recorded flows keep the old one.</summary>
    public PoolState Flip() => this with { Current = Versions.Keys.Single(v => v != Current), Phase = TransitPhase.Draining };

    /// <summary>Step 3: every flow takes the current version; the old one is still there for packets already under way.</summary>
    public PoolState Settle() => this with { Previous = Current, Phase = TransitPhase.Steady, Epoch = 0 };

    /// <summary>After step 3: only the current version remains.</summary>
    public PoolState Retire() => this with { Versions = new Dictionary<byte, PoolMembers> { [Current] = CurrentMembers } };

    private static byte NextVersion(byte version) => version == byte.MaxValue ? (byte)1 : (byte)(version + 1);
}
