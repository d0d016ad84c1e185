using Offload.Controller.LoadBalancing;
using Xunit;
using static Offload.Controller.Tests.LoadBalancing.PolicyTestData;

namespace Offload.Controller.Tests.LoadBalancing;

/// <summary>Maglev and source-IP hashing: even shares, weights, and how few flows move when the pool changes.</summary>
public sealed class HashingPolicyTests
{
    [Fact]
    public void MaglevTable_EqualWeights_NearEqualSlots()
    {
        var size = MaglevTable.SizeFor(10, 0);
        Assert.True(size >= 1000);
        var table = MaglevTable.Build(Enumerable.Range(1, 10).Select(id => (id, 1)).ToList(), size);
        var counts = Enumerable.Range(0, table.Size).GroupBy(s => table[s]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(10, counts.Count);
        Assert.True(counts.Values.Max() - counts.Values.Min() <= 1, string.Join(",", counts.Values));
    }

    [Fact]
    public void MaglevTable_Weights_SlotsInProportion()
    {
        var table = MaglevTable.Build([(1, 2), (2, 1), (3, 1)], MaglevTable.SizeFor(3, 65537));
        var share = Enumerable.Range(0, table.Size).Count(s => table[s] == 1) / (double)table.Size;
        Assert.InRange(share, 0.49, 0.51);
    }

    [Fact]
    public void MaglevTable_OneOfTenRemoved_MovesLittleMoreThanItsShare()
    {
        var size = MaglevTable.SizeFor(10, 65537);
        var before = MaglevTable.Build(Enumerable.Range(1, 10).Select(id => (id, 1)).ToList(), size);
        var after = MaglevTable.Build(Enumerable.Range(1, 10).Where(id => id != 4).Select(id => (id, 1)).ToList(), size);
        var changed = MaglevTable.ChangedSlots(before, after) / (double)size;
        Assert.InRange(changed, 0.099, 0.15);
        Assert.DoesNotContain(4, Enumerable.Range(0, size).Select(s => after[s]));
    }

    [Fact]
    public void Maglev_SameFlow_SameBackend_AcrossPoliciesAndOrder()
    {
        var backends = Backends(1, 1, 1, 1, 1);
        var one = new LoadBalancingPolicyRegistry()[LoadBalancingPolicies.Maglev];
        var other = new LoadBalancingPolicyRegistry()[LoadBalancingPolicies.Maglev];
        var reversed = backends.AsEnumerable().Reverse().ToList();
        for (var i = 0; i < 200; i++)
            Assert.Equal(one.Pick(new object(), backends, Flow(i))!.Id, other.Pick(new object(), reversed, Flow(i))!.Id);
        var spread = Spread(one, backends, 20_000, open: false);
        Assert.All(spread.Values, c => Assert.InRange(c, 3600, 4400));
    }

    [Fact]
    public void SourceIpHash_ClientKeepsBackend_AndOnlyTheRemovedBackendsClientsMove()
    {
        var policy = Registry[LoadBalancingPolicies.SourceIpHash];
        var backends = Backends(1, 1, 1, 1);
        var pool = new object();
        var before = Enumerable.Range(0, 10_000).ToDictionary(c => c, c => policy.Pick(pool, backends, Flow(c))!.Id);
        Assert.All(Enumerable.Range(0, 500), c => Assert.Equal(before[c], policy.Pick(pool, backends, Flow(c, 50_000 + c))!.Id));
        Assert.All(before.Values.GroupBy(id => id), g => Assert.InRange(g.Count(), 2300, 2700));

        var fewer = backends.Where(b => b.Id != 2).ToList();
        foreach (var (client, id) in before)
        {
            var now = policy.Pick(pool, fewer, Flow(client))!.Id;
            if (id != 2)
                Assert.Equal(id, now);
        }
    }

    [Fact]
    public void SourceIpHash_Weights_ClientsInProportion()
    {
        var spread = Spread(Registry[LoadBalancingPolicies.SourceIpHash], Backends(3, 1), 20_000, open: false);
        Assert.InRange(spread[1] / 20_000.0, 0.72, 0.78);
    }
}
