namespace Offload.Controller.LoadBalancing;

/// <summary>
/// Every flow from one client address to the same backend (affinity without state), by weighted rendezvous hashing:
/// adding or removing a backend moves only the clients that must move.
/// </summary>
internal sealed class SourceIpHashPolicy : ILoadBalancingPolicy
{
    public string Name => LoadBalancingPolicies.SourceIpHash;

    public BackendCandidate? Pick(object pool, IReadOnlyList<BackendCandidate> candidates, in FlowKey flow)
    {
        BackendCandidate? best = null;
        var bestScore = double.NegativeInfinity;
        var client = StableHash.Of(flow.Source);
        foreach (var candidate in candidates)
        {
            // -w / ln(u) with u uniform in (0,1): each backend wins its weight's share of clients.
            var u = (StableHash.Mix(client, (ulong)candidate.Id) >> 11 | 1) * (1.0 / (1UL << 53));
            var score = -candidate.Weight / Math.Log(u);
            if (score > bestScore)
                (best, bestScore) = (candidate, score);
        }
        return best;
    }
}
