using Offload.Controller.LoadBalancing;
using Xunit;
using static Offload.Controller.Tests.LoadBalancing.PolicyTestData;

namespace Offload.Controller.Tests.LoadBalancing;

/// <summary>Round robin, weighted round robin, least connections and token allotment: exact shares.</summary>
public sealed class SequentialPolicyTests
{
    [Fact]
    public void RoundRobin_EqualSharesInOrder()
    {
        var backends = Backends(5, 1, 1);
        var policy = Registry[LoadBalancingPolicies.RoundRobin];
        var pool = new object();
        Assert.Equal([1, 2, 3, 1, 2, 3], Enumerable.Range(0, 6).Select(i => policy.Pick(pool, backends, Flow(i))!.Id));
        Assert.All(Spread(policy, backends, 300).Values, c => Assert.Equal(100, c));
    }

    [Fact]
    public void WeightedRoundRobin_SharesByWeight_Interleaved()
    {
        var backends = Backends(5, 1, 1);
        var policy = Registry[LoadBalancingPolicies.WeightedRoundRobin];
        var pool = new object();
        var first = Enumerable.Range(0, 7).Select(i => policy.Pick(pool, backends, Flow(i))!.Id).ToList();
        Assert.Equal(5, first.Count(id => id == 1));
        Assert.True(first.IndexOf(2) < 5 && first.IndexOf(3) < 6, $"b and c wait behind a burst: {string.Join(",", first)}");
        Assert.Equal(new Dictionary<int, int> { [1] = 500, [2] = 100, [3] = 100 }, Spread(policy, backends, 700));
    }

    [Fact]
    public void LeastConnections_FillsTheEmptiest()
    {
        var backends = Backends(1, 1, 1);
        for (var i = 0; i < 9; i++)
            backends[0].ConnectionOpened();
        for (var i = 0; i < 3; i++)
            backends[2].ConnectionOpened();
        var policy = Registry[LoadBalancingPolicies.LeastConnections];
        Assert.Equal(2, policy.Pick(new object(), backends, Flow(1))!.Id);
        var spread = Spread(policy, backends, 300);
        Assert.Equal(300 + 12, backends.Sum(b => b.ActiveConnections));
        Assert.All(backends, b => Assert.InRange(b.ActiveConnections, 103, 105));
        Assert.Equal(0, spread.Values.Sum() - 300);
    }

    [Fact]
    public void WeightedLeastConnections_ConnectionsFollowWeights()
    {
        var backends = Backends(3, 1);
        Spread(Registry[LoadBalancingPolicies.WeightedLeastConnections], backends, 400);
        Assert.InRange(backends[0].ActiveConnections, 299, 301);
        Assert.InRange(backends[1].ActiveConnections, 99, 101);
    }

    [Fact]
    public void TokenAllotment_Linear_TakesBackendsInTurnUntilTokensRunOut()
    {
        var backends = Backends(3, 1, 2);
        var policy = Registry[LoadBalancingPolicies.TokenAllotment];
        var pool = new object();
        Assert.Equal([1, 2, 3, 1, 3, 1, 2, 3, 1], Enumerable.Range(0, 9).Select(i => policy.Pick(pool, backends, Flow(i))!.Id));
    }

    [Fact]
    public void TokenAllotment_GreatestFirst_SpendsTheLargestAllotment()
    {
        var backends = Backends(3, 1, 2);
        var policy = Registry[LoadBalancingPolicies.TokenAllotmentGreatestFirst];
        var pool = new object();
        Assert.Equal([1, 1, 3, 1, 2, 3], Enumerable.Range(0, 6).Select(i => policy.Pick(pool, backends, Flow(i))!.Id));
        Assert.Equal(new Dictionary<int, int> { [1] = 300, [2] = 100, [3] = 200 }, Spread(policy, backends, 600));
    }

    [Fact]
    public void EveryPolicy_NoCandidates_Null()
    {
        foreach (var name in Registry.Names)
            Assert.Null(Registry[name].Pick(new object(), [], Flow(1)));
    }

    [Fact]
    public void Registry_UnknownName_ListsKnownOnes()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => Registry["fastest"]);
        Assert.Contains(LoadBalancingPolicies.Maglev, error.Message);
        Assert.Equal(8, Registry.Names.Count());
    }
}
