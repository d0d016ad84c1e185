using System.Runtime.CompilerServices;

namespace Offload.Controller.LoadBalancing;

/// <summary>
/// Smooth weighted round robin (as nginx does it): over any window of Σweights new flows each backend gets exactly
/// its weight, interleaved rather than in bursts.
/// </summary>
internal sealed class WeightedRoundRobinPolicy : ILoadBalancingPolicy
{
    private readonly ConditionalWeakTable<object, Dictionary<int, long>> _current = new();

    public string Name => LoadBalancingPolicies.WeightedRoundRobin;

    public BackendCandidate? Pick(object pool, IReadOnlyList<BackendCandidate> candidates, in FlowKey flow)
    {
        if (candidates.Count == 0)
            return null;
        var current = _current.GetOrCreateValue(pool);
        lock (current)
        {
            BackendCandidate? best = null;
            long total = 0, bestValue = long.MinValue;
            foreach (var candidate in candidates)
            {
                var value = current.GetValueOrDefault(candidate.Id) + candidate.Weight;
                current[candidate.Id] = value;
                total += candidate.Weight;
                if (value > bestValue)
                    (best, bestValue) = (candidate, value);
            }
            current[best!.Id] = bestValue - total;
            if (current.Count > candidates.Count * 2)
                Forget(current, candidates);
            return best;
        }
    }

    private static void Forget(Dictionary<int, long> current, IReadOnlyList<BackendCandidate> candidates)
    {
        var live = candidates.Select(c => c.Id).ToHashSet();
        foreach (var id in current.Keys.Where(id => !live.Contains(id)).ToList())
            current.Remove(id);
    }
}
