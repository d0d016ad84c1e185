using System.Runtime.CompilerServices;

namespace Offload.Controller.LoadBalancing;

/// <summary>
/// The backend with the fewest active connections, or (weighted) the fewest per unit of weight, as IPVS's lc and
/// wlc compare them. Ties rotate, so a burst of new flows between count updates does not land on one backend.
/// </summary>
internal sealed class LeastConnectionsPolicy(bool weighted) : ILoadBalancingPolicy
{
    private readonly ConditionalWeakTable<object, StrongBox<long>> _rotation = new();

    public string Name => weighted ? LoadBalancingPolicies.WeightedLeastConnections : LoadBalancingPolicies.LeastConnections;

    public BackendCandidate? Pick(object pool, IReadOnlyList<BackendCandidate> candidates, in FlowKey flow)
    {
        if (candidates.Count == 0)
            return null;
        var start = (int)((ulong)Interlocked.Increment(ref _rotation.GetOrCreateValue(pool).Value) % (ulong)candidates.Count);
        BackendCandidate? best = null;
        for (var i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[(start + i) % candidates.Count];
            if (best is null || Fewer(candidate, best))
                best = candidate;
        }
        return best;
    }

    // a.conns / a.weight < b.conns / b.weight, without division.
    private bool Fewer(BackendCandidate a, BackendCandidate b) => weighted
        ? (Int128)a.ActiveConnections * b.Weight < (Int128)b.ActiveConnections * a.Weight
        : a.ActiveConnections < b.ActiveConnections;
}
