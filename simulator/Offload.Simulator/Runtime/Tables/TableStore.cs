using System.Runtime.InteropServices;
using Google.Protobuf;
using Offload.Simulator.Runtime.Schema;

namespace Offload.Simulator.Runtime.Tables;

/// <summary>
/// The entries of one table and the index that matches packets against them: a hash of the packed key when every
/// field is exact (one UInt128 when the key fits in 128 bits), one hash per prefix length for a table with one LPM
/// field, and a priority-ordered scan otherwise. Identical direct actions are stored once.
/// </summary>
internal sealed class TableStore
{
    private readonly KeyLayout _layout;
    private readonly int _lpmField = -1;
    private readonly bool _exactOnly;
    private readonly UInt128[] _fullMasks;
    private readonly Dictionary<UInt128, TableEntryState> _narrow = new();
    private readonly Dictionary<PackedKey, TableEntryState> _wide = new();
    private readonly Dictionary<int, Dictionary<PackedKey, TableEntryState>> _byPrefix = new();
    private (int Prefix, Dictionary<PackedKey, TableEntryState> Entries)[] _longestFirst = [];
    private readonly Dictionary<EntryIdentity, (EntryKey Key, TableEntryState Entry)> _byIdentity = new();
    private readonly List<(EntryKey Key, TableEntryState Entry)> _byPriority = new();
    private readonly Dictionary<ActionCall, (ActionCall Shared, int Uses)> _actions = new(ActionCall.Comparer);
    private readonly Dictionary<TableEntryState, EntryExtras> _extras = new(ReferenceEqualityComparer.Instance);

    public TableStore(TableSchema schema)
    {
        Schema = schema;
        _layout = new KeyLayout(schema.Fields, schema.Name);
        _exactOnly = schema.Fields.All(f => f.Kind == MatchKind.Exact);
        _fullMasks = schema.Fields.Select(f => f.FullMask).ToArray();
        var lpm = schema.Fields.Select((f, i) => (f, i)).Where(x => x.f.Kind == MatchKind.Lpm).ToList();
        if (!schema.NeedsPriority && lpm.Count == 1)
            _lpmField = lpm[0].i;
        DefaultAction = schema.InitialDefault;
    }

    public TableSchema Schema { get; }
    public ActionCall DefaultAction { get; set; }
    public int Count => !_exactOnly ? _byIdentity.Count : _layout.IsNarrow ? _narrow.Count : _wide.Count;

    public IEnumerable<(EntryKey Key, TableEntryState Entry)> Entries
    {
        get
        {
            if (!_exactOnly)
                return _byIdentity.Values;
            return _layout.IsNarrow
                ? _narrow.Select(kv => (ExactKey(new PackedKey(kv.Key, 0, 0, 0)), kv.Value))
                : _wide.Select(kv => (ExactKey(kv.Key), kv.Value));
        }
    }

    /// <summary>Entries with an idle timeout not hit for that long, as of <paramref name="now"/> (Stopwatch ticks); keys are built only for these.</summary>
    public IEnumerable<(EntryKey Key, TableEntryState Entry)> Expired(long now)
    {
        if (_exactOnly && _layout.IsNarrow)
        {
            foreach (var (key, entry) in _narrow)
            {
                if (IsExpired(entry, now))
                    yield return (ExactKey(new PackedKey(key, 0, 0, 0)), entry);
            }
        }
        else if (_exactOnly)
        {
            foreach (var (key, entry) in _wide)
            {
                if (IsExpired(entry, now))
                    yield return (ExactKey(key), entry);
            }
        }
        else
        {
            foreach (var (key, entry) in _byIdentity.Values)
            {
                if (IsExpired(entry, now))
                    yield return (key, entry);
            }
        }
    }

    private static bool IsExpired(TableEntryState entry, long now) =>
        entry.IdleTimeoutNs > 0 && (now - entry.LastHitTimestamp) * (1e9 / System.Diagnostics.Stopwatch.Frequency) >= entry.IdleTimeoutNs;

    /// <summary>Every field is exact: an entry is its packed field values, and the *Exact methods below apply.</summary>
    public bool IsExactOnly => _exactOnly;

    /// <summary>The key of an exact-only table's entry: its field values, in P4Info order, packed.</summary>
    public PackedKey PackExact(ReadOnlySpan<UInt128> values) => _layout.Pack(values);

    public TableEntryState? Find(EntryKey key)
    {
        if (_exactOnly)
            return FindExact(PackExact(key.Values));
        return _byIdentity.TryGetValue(Identity(key), out var found) ? found.Entry : null;
    }

    public TableEntryState? FindExact(PackedKey key) => _layout.IsNarrow ? _narrow.GetValueOrDefault(key.A) : _wide.GetValueOrDefault(key);

    public void Insert(EntryKey key, TableEntryState entry)
    {
        if (_exactOnly)
        {
            InsertExact(PackExact(key.Values), entry);
            return;
        }
        CheckRoomFor(key);
        entry.Action = Share(entry.Action);
        var packed = _layout.Pack(key.Values);
        _byIdentity[Identity(key)] = (key, entry);
        if (_lpmField >= 0)
        {
            if (!_byPrefix.TryGetValue(key.PrefixLength, out var map))
            {
                _byPrefix[key.PrefixLength] = map = new Dictionary<PackedKey, TableEntryState>();
                SortPrefixes();
            }
            map[packed] = entry;
            return;
        }
        var at = _byPriority.FindIndex(e => e.Key.Priority < key.Priority);
        _byPriority.Insert(at < 0 ? _byPriority.Count : at, (key, entry));
    }

    public void InsertExact(PackedKey key, TableEntryState entry)
    {
        if (Count >= Schema.Size)
            throw FindExact(key) is null ? Full() : AlreadyExists();
        bool exists;
        if (_layout.IsNarrow)
        {
            Grow(_narrow);
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_narrow, key.A, out exists);
            if (!exists)
                slot = entry;
        }
        else
        {
            Grow(_wide);
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_wide, key, out exists);
            if (!exists)
                slot = entry;
        }
        if (exists)
            throw AlreadyExists();
        entry.Action = Share(entry.Action);
    }

    private void CheckRoomFor(EntryKey key)
    {
        if (Find(key) is not null)
            throw AlreadyExists();
        if (Count >= Schema.Size)
            throw Full();
    }

    private P4Error AlreadyExists() => P4Error.AlreadyExists($"{Schema.ShortName}: an entry with this key already exists");

    private P4Error Full() => P4Error.ResourceExhausted($"{Schema.ShortName} is full ({Schema.Size} entries)");

    public EntryExtras? ExtrasOf(TableEntryState entry) => _extras.GetValueOrDefault(entry);

    public void SetExtras(TableEntryState entry, IndirectAction? indirect, ByteString metadata)
    {
        if (indirect is null && metadata.IsEmpty)
            _extras.Remove(entry);
        else
            _extras[entry] = new EntryExtras(indirect, metadata);
    }

    /// <summary>Gives an entry another direct action (MODIFY), keeping shared actions counted.</summary>
    public void ReplaceAction(TableEntryState entry, ActionCall? action)
    {
        Release(entry.Action);
        entry.Action = Share(action);
    }

    public TableEntryState Delete(EntryKey key)
    {
        if (_exactOnly)
            return DeleteExact(PackExact(key.Values));
        var entry = Find(key) ?? throw NoSuchEntry();
        _byIdentity.Remove(Identity(key));
        if (_lpmField >= 0)
        {
            var map = _byPrefix[key.PrefixLength];
            map.Remove(_layout.Pack(key.Values));
            if (map.Count == 0)
            {
                _byPrefix.Remove(key.PrefixLength);
                SortPrefixes();
            }
        }
        else
            _byPriority.RemoveAll(e => ReferenceEquals(e.Entry, entry));
        return Forget(entry);
    }

    public TableEntryState DeleteExact(PackedKey key)
    {
        var entry = FindExact(key) ?? throw NoSuchEntry();
        if (_layout.IsNarrow)
            _narrow.Remove(key.A);
        else
            _wide.Remove(key);
        return Forget(entry);
    }

    private TableEntryState Forget(TableEntryState entry)
    {
        Release(entry.Action);
        _extras.Remove(entry);
        return entry;
    }

    private P4Error NoSuchEntry() => P4Error.NotFound($"{Schema.ShortName}: no entry with this key");

    /// <summary>The entry a packet with these field values hits, counted and marked as hit at <paramref name="now"/>; null on a miss.</summary>
    public TableEntryState? Lookup(ReadOnlySpan<UInt128> key, int packetLength, long now)
    {
        var hit = Match(key);
        if (hit is not null)
        {
            hit.Packets++;
            hit.Bytes += packetLength;
            hit.LastHitTimestamp = now;
        }
        return hit;
    }

    private TableEntryState? Match(ReadOnlySpan<UInt128> key)
    {
        if (_exactOnly)
            return FindExact(_layout.Pack(key));
        if (_lpmField >= 0)
        {
            Span<UInt128> masked = stackalloc UInt128[key.Length];
            key.CopyTo(masked);
            var width = Schema.Fields[_lpmField].Width;
            foreach (var (prefix, map) in _longestFirst)
            {
                masked[_lpmField] = key[_lpmField] & PrefixMask(prefix, width);
                if (map.TryGetValue(_layout.Pack(masked), out var entry))
                    return entry;
            }
            return null;
        }
        foreach (var (entryKey, entry) in _byPriority)
        {
            if (Matches(entryKey, key))
                return entry;
        }
        return null;
    }

    private bool Matches(EntryKey entry, ReadOnlySpan<UInt128> key)
    {
        for (var i = 0; i < key.Length; i++)
        {
            var ok = Schema.Fields[i].Kind switch
            {
                MatchKind.Exact => key[i] == entry.Values[i],
                MatchKind.Range => key[i] >= entry.Values[i] && key[i] <= entry.Highs![i],
                _ => (key[i] & entry.Masks[i]) == entry.Values[i],
            };
            if (!ok)
                return false;
        }
        return true;
    }

    /// <summary>Grows by half, never past the table's size: a million-entry table does not carry a second half-million of empty slots.</summary>
    private void Grow<TKey>(Dictionary<TKey, TableEntryState> index) where TKey : notnull
    {
        if (index.Count < index.Capacity)
            return;
        index.EnsureCapacity((int)Math.Min(Schema.Size, Math.Max(16, index.Capacity + index.Capacity / 2L)));
    }

    private void SortPrefixes() =>
        _longestFirst = _byPrefix.OrderByDescending(p => p.Key).Select(p => (p.Key, p.Value)).ToArray();

    public static UInt128 PrefixMask(int prefix, int width) =>
        prefix == 0 ? UInt128.Zero : Values.Mask(width) ^ Values.Mask(width - prefix);

    private EntryKey ExactKey(PackedKey packed) => new() { Values = _layout.Unpack(packed), Masks = _fullMasks };

    private ActionCall? Share(ActionCall? action)
    {
        if (action is null)
            return null;
        if (_actions.TryGetValue(action, out var shared))
        {
            _actions[action] = (shared.Shared, shared.Uses + 1);
            return shared.Shared;
        }
        _actions[action] = (action, 1);
        return action;
    }

    private void Release(ActionCall? action)
    {
        if (action is null || !_actions.TryGetValue(action, out var shared))
            return;
        if (shared.Uses <= 1)
            _actions.Remove(action);
        else
            _actions[action] = (shared.Shared, shared.Uses - 1);
    }

    private EntryIdentity Identity(EntryKey key) => new(
        _layout.Pack(key.Values), _layout.Pack(key.Masks),
        key.Highs is null ? default : _layout.Pack(key.Highs), key.Priority);

    private readonly record struct EntryIdentity(PackedKey Values, PackedKey Masks, PackedKey Highs, int Priority);
}
