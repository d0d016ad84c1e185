using System.Runtime.CompilerServices;

namespace Offload.Controller.LoadBalancing;

/// <summary>
/// Maglev consistent hashing over the 5-tuple: a flow keeps its backend while the pool is unchanged, and a pool
/// change moves about 1/N of the flows. The table is rebuilt when the candidates or their weights change.
/// </summary>
internal sealed class MaglevPolicy(int minimumTableSize) : ILoadBalancingPolicy
{
    public const int DefaultMinimumTableSize = 65537;
    private readonly ConditionalWeakTable<object, Cache> _tables = new();

    public string Name => LoadBalancingPolicies.Maglev;

    public BackendCandidate? Pick(object pool, IReadOnlyList<BackendCandidate> candidates, in FlowKey flow)
    {
        if (candidates.Count == 0)
            return null;
        var (table, byId) = _tables.GetOrCreateValue(pool).For(candidates, minimumTableSize);
        return byId[table.Lookup(flow.Hash())];
    }

    private sealed class Cache
    {
        private (string Signature, MaglevTable Table, Dictionary<int, BackendCandidate> ById)? _current;

        public (MaglevTable, Dictionary<int, BackendCandidate>) For(IReadOnlyList<BackendCandidate> candidates, int minimum)
        {
            var signature = string.Join(',', candidates.Where(c => c.Weight > 0).OrderBy(c => c.Id).Select(c => $"{c.Id}:{c.Weight}"));
            lock (this)
            {
                if (_current is not { } current || current.Signature != signature)
                {
                    var table = MaglevTable.Build(candidates.Select(c => (c.Id, c.Weight)).ToList(), MaglevTable.SizeFor(candidates.Count, minimum));
                    current = (signature, table, candidates.ToDictionary(c => c.Id));
                    _current = current;
                }
                return (current.Table, current.ById);
            }
        }
    }
}
