using System.Runtime.CompilerServices;

namespace Offload.Controller.LoadBalancing;

/// <summary>
/// Token allotment (seed 003): each backend is allotted tokens from its health and load (its weight); every new flow
/// spends one, taking backends in turn (linear) or always the one with the most tokens left (greatest first); when
/// every token is spent the allotment starts again.
/// </summary>
internal sealed class TokenAllotmentPolicy(bool greatestFirst) : ILoadBalancingPolicy
{
    private readonly ConditionalWeakTable<object, Allotment> _allotments = new();

    public string Name => greatestFirst ? LoadBalancingPolicies.TokenAllotmentGreatestFirst : LoadBalancingPolicies.TokenAllotment;

    public BackendCandidate? Pick(object pool, IReadOnlyList<BackendCandidate> candidates, in FlowKey flow)
    {
        if (candidates.Count == 0)
            return null;
        var allotment = _allotments.GetOrCreateValue(pool);
        lock (allotment)
        {
            if (!candidates.Any(c => allotment.Left(c) > 0))
                allotment.Refill(candidates);
            var chosen = greatestFirst ? Greatest(allotment, candidates) : allotment.NextInTurn(candidates);
            allotment.Spend(chosen);
            return chosen;
        }
    }

    private static BackendCandidate Greatest(Allotment allotment, IReadOnlyList<BackendCandidate> candidates)
    {
        var best = candidates[0];
        foreach (var candidate in candidates)
        {
            if (allotment.Left(candidate) > allotment.Left(best))
                best = candidate;
        }
        return best;
    }

    private sealed class Allotment
    {
        private readonly Dictionary<int, long> _left = new();
        private int _turn = -1;

        public long Left(BackendCandidate candidate) => _left.GetValueOrDefault(candidate.Id);

        public void Refill(IReadOnlyList<BackendCandidate> candidates)
        {
            _left.Clear();
            foreach (var candidate in candidates)
                _left[candidate.Id] = Math.Max(1, candidate.Weight);
        }

        public void Spend(BackendCandidate candidate) => _left[candidate.Id] = Left(candidate) - 1;

        public BackendCandidate NextInTurn(IReadOnlyList<BackendCandidate> candidates)
        {
            for (var step = 1; step <= candidates.Count; step++)
            {
                var at = (_turn + step) % candidates.Count;
                if (Left(candidates[at]) > 0)
                {
                    _turn = at;
                    return candidates[at];
                }
            }
            throw new InvalidOperationException("no tokens left after a refill");
        }
    }
}
