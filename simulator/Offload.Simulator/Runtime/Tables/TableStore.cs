using System.Diagnostics;
using Offload.Simulator.Runtime.Schema;

namespace Offload.Simulator.Runtime.Tables;

/// <summary>
/// The entries of one table and the index that matches packets against them: a hash of the packed key when every
/// field is exact, one hash per prefix length for a table with one LPM field, and a priority-ordered scan otherwise.
/// </summary>
internal sealed class TableStore
{
    private readonly KeyLayout _layout;
    private readonly int _lpmField = -1;
    private readonly bool _exactOnly;
    private readonly Dictionary<PackedKey, TableEntryState> _exact = new();
    private readonly SortedDictionary<int, Dictionary<PackedKey, TableEntryState>> _byPrefix = new(Comparer<int>.Create((a, b) => b.CompareTo(a)));
    private readonly Dictionary<EntryIdentity, TableEntryState> _byIdentity = new();
    private readonly List<TableEntryState> _byPriority = new();

    public TableStore(TableSchema schema)
    {
        Schema = schema;
        _layout = new KeyLayout(schema.Fields, schema.Name);
        _exactOnly = schema.Fields.All(f => f.Kind == MatchKind.Exact);
        var lpm = schema.Fields.Select((f, i) => (f, i)).Where(x => x.f.Kind == MatchKind.Lpm).ToList();
        if (!schema.NeedsPriority && lpm.Count == 1)
            _lpmField = lpm[0].i;
        DefaultAction = schema.InitialDefault;
    }

    public TableSchema Schema { get; }
    public ActionCall DefaultAction { get; set; }
    public int Count => _exactOnly ? _exact.Count : _byIdentity.Count;

    public IEnumerable<TableEntryState> Entries => _exactOnly ? _exact.Values : _byIdentity.Values;

    public TableEntryState? Find(TableEntryState key) =>
        _exactOnly
            ? _exact.GetValueOrDefault(_layout.Pack(key.Values))
            : _byIdentity.GetValueOrDefault(Identity(key));

    public void Insert(TableEntryState entry)
    {
        if (Find(entry) is not null)
            throw P4Error.AlreadyExists($"{Schema.ShortName}: an entry with this key already exists");
        if (Count >= Schema.Size)
            throw P4Error.ResourceExhausted($"{Schema.ShortName} is full ({Schema.Size} entries)");
        entry.LastHitTimestamp = Stopwatch.GetTimestamp();
        if (_exactOnly)
        {
            _exact[_layout.Pack(entry.Values)] = entry;
            return;
        }
        _byIdentity[Identity(entry)] = entry;
        if (_lpmField >= 0)
        {
            if (!_byPrefix.TryGetValue(entry.PrefixLength, out var map))
                _byPrefix[entry.PrefixLength] = map = new Dictionary<PackedKey, TableEntryState>();
            map[_layout.Pack(entry.Values)] = entry;
            return;
        }
        var at = _byPriority.FindIndex(e => e.Priority < entry.Priority);
        _byPriority.Insert(at < 0 ? _byPriority.Count : at, entry);
    }

    public TableEntryState Delete(TableEntryState key)
    {
        var entry = Find(key) ?? throw P4Error.NotFound($"{Schema.ShortName}: no entry with this key");
        if (_exactOnly)
        {
            _exact.Remove(_layout.Pack(entry.Values));
            return entry;
        }
        _byIdentity.Remove(Identity(entry));
        if (_lpmField >= 0)
        {
            var map = _byPrefix[entry.PrefixLength];
            map.Remove(_layout.Pack(entry.Values));
            if (map.Count == 0)
                _byPrefix.Remove(entry.PrefixLength);
        }
        else
            _byPriority.Remove(entry);
        return entry;
    }

    public void Clear()
    {
        _exact.Clear();
        _byPrefix.Clear();
        _byIdentity.Clear();
        _byPriority.Clear();
        DefaultAction = Schema.InitialDefault;
    }

    /// <summary>The entry a packet with these field values hits, counted and marked as hit; null on a miss.</summary>
    public TableEntryState? Lookup(ReadOnlySpan<UInt128> key, int packetLength)
    {
        var hit = Match(key);
        if (hit is not null)
        {
            hit.Packets++;
            hit.Bytes += packetLength;
            hit.LastHitTimestamp = Stopwatch.GetTimestamp();
        }
        return hit;
    }

    private TableEntryState? Match(ReadOnlySpan<UInt128> key)
    {
        if (_exactOnly)
            return _exact.GetValueOrDefault(_layout.Pack(key));
        if (_lpmField >= 0)
        {
            Span<UInt128> masked = stackalloc UInt128[key.Length];
            key.CopyTo(masked);
            var width = Schema.Fields[_lpmField].Width;
            foreach (var (prefix, map) in _byPrefix)
            {
                masked[_lpmField] = key[_lpmField] & PrefixMask(prefix, width);
                if (map.TryGetValue(_layout.Pack(masked), out var entry))
                    return entry;
            }
            return null;
        }
        foreach (var entry in _byPriority)
        {
            if (Matches(entry, key))
                return entry;
        }
        return null;
    }

    private bool Matches(TableEntryState entry, ReadOnlySpan<UInt128> key)
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

    public static UInt128 PrefixMask(int prefix, int width) =>
        prefix == 0 ? UInt128.Zero : Values.Mask(width) ^ Values.Mask(width - prefix);

    private EntryIdentity Identity(TableEntryState entry) => new(
        _layout.Pack(entry.Values), _layout.Pack(entry.Masks),
        entry.Highs is null ? default : _layout.Pack(entry.Highs), entry.Priority);

    private readonly record struct EntryIdentity(PackedKey Values, PackedKey Masks, PackedKey Highs, int Priority);
}
