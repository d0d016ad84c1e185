using P4.Config.V1;

namespace Offload.P4Runtime.Schema;

/// <summary>One kind of P4Info object, found by fully-qualified name, alias or id; unknown names fail loudly.</summary>
public sealed class NamedObjects<T> where T : class
{
    private readonly string _kind;
    private readonly Dictionary<string, T> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, T> _byAlias = new(StringComparer.Ordinal);
    private readonly Dictionary<uint, T> _byId = new();
    private readonly List<T> _all = new();

    internal NamedObjects(string kind, IEnumerable<T> items, Func<T, Preamble?> preamble)
    {
        _kind = kind;
        foreach (var item in items)
        {
            var p = preamble(item) ?? throw new P4InfoException($"a {kind} has no preamble");
            if (p.Id == 0)
                throw new P4InfoException($"{kind} '{p.Name}' has id 0");
            if (!_byId.TryAdd(p.Id, item))
                throw new P4InfoException($"{kind} id {p.Id} is used by two objects");
            if (!_byName.TryAdd(p.Name, item))
                throw new P4InfoException($"{kind} '{p.Name}' is defined twice");
            if (p.Alias.Length > 0 && p.Alias != p.Name)
                _byAlias.TryAdd(p.Alias, item);
            _all.Add(item);
        }
    }

    public IReadOnlyList<T> All => _all;

    public T this[string name] => TryGet(name, out var item)
        ? item
        : throw new P4InfoException($"unknown {_kind} '{name}'" + Known());

    public T this[uint id] => _byId.TryGetValue(id, out var item)
        ? item
        : throw new P4InfoException($"unknown {_kind} id {id} (0x{id:x8})");

    public bool TryGet(string name, out T item) =>
        _byName.TryGetValue(name, out item!) || _byAlias.TryGetValue(name, out item!);

    public bool TryGet(uint id, out T item) => _byId.TryGetValue(id, out item!);

    private string Known() => _byName.Count == 0
        ? $"; the P4Info has no {_kind}s"
        : "; known: " + string.Join(", ", _byName.Keys.Order().Take(12)) + (_byName.Count > 12 ? ", …" : "");
}
