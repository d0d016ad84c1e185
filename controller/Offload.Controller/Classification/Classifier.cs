using Offload.Controller.Configuration;
using Offload.Controller.LoadBalancing;
using Offload.Controller.Plumbing;

namespace Offload.Controller.Classification;

/// <summary>
/// Picks the backend for a new connection with its VIP's algorithm, over the pool's backends that may take new
/// connections (weight above zero). Backends are shared by every VIP, so connection counts are per backend.
/// </summary>
public sealed class Classifier
{
    private readonly Dictionary<int, (VipConfig Vip, ILoadBalancingPolicy Policy, List<BackendCandidate> Pool, object State)> _vips;

    public Classifier(OffloadConfig config, LoadBalancingPolicyRegistry policies)
    {
        Backends = config.Backends.ToDictionary(b => b.Id, b => new BackendCandidate(b.Id, b.Weight));
        var byName = config.Backends.ToDictionary(b => b.Name, b => Backends[b.Id]);
        _vips = config.Vips.ToDictionary(v => v.Id, v => (v, policies[v.Algorithm], v.Pool.Select(n => byName[n]).ToList(), new object()));
    }

    /// <summary>Every backend's live state (weight, active connections), by backend id.</summary>
    public IReadOnlyDictionary<int, BackendCandidate> Backends { get; }

    public Connection? Classify(Connection flow)
    {
        if (!_vips.TryGetValue(flow.VipId, out var vip))
            return null;
        var candidates = vip.Pool.Where(b => b.Weight > 0).ToList();
        var key = new FlowKey(flow.Client, flow.Vip, flow.Protocol, flow.ClientPort, flow.VipPort);
        return vip.Policy.Pick(vip.State, candidates, key) is { } backend ? flow with { BackendId = backend.Id } : null;
    }
}
