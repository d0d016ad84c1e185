namespace Offload.Controller.LoadBalancing;

/// <summary>
/// Picks the backend for a new flow. Policies are shared by every pool; what a policy remembers about a pool
/// (a round-robin position, a Maglev table) it keeps per <c>pool</c> object, so a pool that goes away takes it along.
/// </summary>
public interface ILoadBalancingPolicy
{
    /// <summary>The name configuration refers to (<see cref="LoadBalancingPolicies"/>).</summary>
    string Name { get; }

    /// <summary>One of <paramref name="candidates"/> (weights &gt; 0), or null when the list is empty.</summary>
    BackendCandidate? Pick(object pool, IReadOnlyList<BackendCandidate> candidates, in FlowKey flow);
}

/// <summary>The policy names configuration accepts.</summary>
public static class LoadBalancingPolicies
{
    public const string RoundRobin = "round_robin";
    public const string WeightedRoundRobin = "weighted_round_robin";
    public const string LeastConnections = "least_connections";
    public const string WeightedLeastConnections = "weighted_least_connections";
    public const string Maglev = "maglev";
    public const string SourceIpHash = "source_ip_hash";
    public const string TokenAllotment = "token_allotment";
    public const string TokenAllotmentGreatestFirst = "token_allotment_greatest_first";
}
