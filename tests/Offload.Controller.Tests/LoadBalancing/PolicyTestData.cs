using Offload.Controller.LoadBalancing;

namespace Offload.Controller.Tests.LoadBalancing;

internal static class PolicyTestData
{
    public static readonly LoadBalancingPolicyRegistry Registry = new();

    public static List<BackendCandidate> Backends(params int[] weights) =>
        weights.Select((w, i) => new BackendCandidate(i + 1, w)).ToList();

    public static FlowKey Flow(int client, int port = 40000) =>
        new(0x0a000000u + (uint)client, 0x0a006401u, 6, (ushort)port, 80);

    /// <summary>How many of <paramref name="flows"/> new flows each backend gets, opening a connection on every pick.</summary>
    public static Dictionary<int, int> Spread(ILoadBalancingPolicy policy, IReadOnlyList<BackendCandidate> backends, int flows, bool open = true)
    {
        var pool = new object();
        var counts = backends.ToDictionary(b => b.Id, _ => 0);
        for (var i = 0; i < flows; i++)
        {
            var chosen = policy.Pick(pool, backends, Flow(i, 1024 + i % 50000))!;
            counts[chosen.Id]++;
            if (open)
                chosen.ConnectionOpened();
        }
        return counts;
    }
}
