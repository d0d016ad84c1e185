namespace Offload.Controller.LoadBalancing;

/// <summary>Every load-balancing policy by name; configuration validation asks it whether a name exists.</summary>
public sealed class LoadBalancingPolicyRegistry
{
    private readonly Dictionary<string, ILoadBalancingPolicy> _policies;

    public LoadBalancingPolicyRegistry(int maglevMinimumTableSize = MaglevPolicy.DefaultMinimumTableSize)
    {
        ILoadBalancingPolicy[] all =
        [
            new RoundRobinPolicy(),
            new WeightedRoundRobinPolicy(),
            new LeastConnectionsPolicy(weighted: false),
            new LeastConnectionsPolicy(weighted: true),
            new MaglevPolicy(maglevMinimumTableSize),
            new SourceIpHashPolicy(),
            new TokenAllotmentPolicy(greatestFirst: false),
            new TokenAllotmentPolicy(greatestFirst: true),
        ];
        _policies = all.ToDictionary(p => p.Name, StringComparer.Ordinal);
    }

    public IEnumerable<string> Names => _policies.Keys.Order(StringComparer.Ordinal);

    public bool TryGet(string name, out ILoadBalancingPolicy policy) => _policies.TryGetValue(name, out policy!);

    public ILoadBalancingPolicy this[string name] => TryGet(name, out var policy)
        ? policy
        : throw new KeyNotFoundException($"unknown load-balancing policy '{name}'; known: {string.Join(", ", Names)}");
}
