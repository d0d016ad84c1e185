using System.Runtime.CompilerServices;

namespace Offload.Controller.LoadBalancing;

/// <summary>Each new flow to the next backend in turn, weights ignored.</summary>
internal sealed class RoundRobinPolicy : ILoadBalancingPolicy
{
    private readonly ConditionalWeakTable<object, Counter> _positions = new();

    public string Name => LoadBalancingPolicies.RoundRobin;

    public BackendCandidate? Pick(object pool, IReadOnlyList<BackendCandidate> candidates, in FlowKey flow)
    {
        if (candidates.Count == 0)
            return null;
        var position = _positions.GetOrCreateValue(pool).Next();
        return candidates[(int)(position % (ulong)candidates.Count)];
    }

    private sealed class Counter
    {
        private long _value = -1;
        public ulong Next() => (ulong)Interlocked.Increment(ref _value);
    }
}
