using Microsoft.Extensions.Logging.Abstractions;
using Offload.Controller.Configuration;
using Offload.Controller.LoadBalancing;
using Offload.Controller.Pipeline;
using Offload.Controller.Plumbing;
using Offload.Controller.Plumbing.Pools;
using Offload.P4Runtime.Bytestrings;
using Offload.P4Runtime.Schema;
using Offload.Tests.Common;
using P4.V1;
using Xunit;

namespace Offload.Controller.Tests.Plumbing;

/// <summary>Pool versions: what a configuration means, what a switch's entries say, and the order of a change's steps.</summary>
public sealed class PoolVersionsTests
{
    private static readonly P4InfoIndex P4Info = P4InfoIndex.Load(RepoPaths.Get("p4", "offload.p4info.txtpb"));

    private static OffloadConfig Example(Func<string, string>? edit = null) => ExampleConfig.Load(edit);

    private static string Members(OffloadConfig config) =>
        string.Join(",", config.Backends.Where(b => b.Weight > 0).OrderBy(b => b.Id).Select(b => $"{b.Id}×{b.Weight}"));

    [Fact]
    public void Adopt_NewVipStartsAtVersionOne_ChangedPoolReported_ClassifyVipNotVersioned()
    {
        var pools = new PoolVersions(P4Info);
        Assert.Empty(pools.Adopt(Example()));
        var state = Assert.Single(pools.States.Values);
        Assert.Equal((1, TransitPhase.Steady), (state.Current, state.Phase));
        Assert.Equal(Members(Example()), state.CurrentMembers.ToString());

        var drained = Example(y => y.Replace("weight: 2", "weight: 0"));
        Assert.Equal(Members(drained), Assert.Single(pools.Adopt(drained)).Value.ToString());

        Assert.Empty(pools.Adopt(Example(y => y.Replace("mode: dataplane_select", "mode: controller_classify"))));
        Assert.Empty(pools.States);
    }

    [Fact]
    public void Entries_LearnedBack_SameStateInEveryPhase()
    {
        var pools = new PoolVersions(P4Info);
        pools.Adopt(Example());
        var first = pools.States[1];
        var recording = first.Record(PoolMembers.Of([new(2, 1, 3)]), epoch: 42);
        foreach (var state in new[] { first, recording, recording.Flip(), recording.Flip().Settle(), recording.Flip().Settle().Retire() })
        {
            pools.Set(state);
            var learned = new PoolVersions(P4Info);
            learned.Learn(pools.Entries());
            var got = learned.States[1];
            Assert.Equal((state.Current, state.Previous, state.Phase, state.Epoch), (got.Current, got.Previous, got.Phase, got.Epoch));
            Assert.Equal(state.Versions.OrderBy(v => v.Key).Select(v => (v.Key, v.Value)), got.Versions.OrderBy(v => v.Key).Select(v => (v.Key, v.Value)));
        }
    }

    [Fact]
    public async Task Change_RecordsThenFlipsThenSettles_WithABarrierBeforeEachFlip()
    {
        var pools = new PoolVersions(P4Info);
        pools.Adopt(Example());
        var steps = new List<string>();
        Task<ReconcileResult> Reconcile(CancellationToken _)
        {
            var vipPool = pools.Entries().Single(e => e.TableId == P4Info.Tables[OffloadP4.VipPool].Preamble.Id);
            var p = vipPool.Action.Action.Params.Select(x => P4Bytes.ToUInt64(x.Value)).ToArray();
            var versions = pools.Entries().Count(e => e.TableId == P4Info.Tables[OffloadP4.BackendSelect].Preamble.Id);
            steps.Add($"current {p[0]} previous {p[1]} phase {p[2]} versions {versions}");
            return Task.FromResult(ReconcileResult.None);
        }
        Task Barrier(CancellationToken _)
        {
            steps.Add("barrier");
            return Task.CompletedTask;
        }
        var changer = new PoolChanger(pools, Reconcile, Barrier, NullLogger.Instance);
        await changer.ApplyAsync(Example(y => y.Replace("weight: 2", "weight: 3")), CancellationToken.None);

        Assert.Equal(new[]
        {
            "current 1 previous 1 phase 1 versions 2",
            "barrier",
            "current 2 previous 1 phase 2 versions 2",
            "barrier",
            "current 2 previous 2 phase 0 versions 2",
            "current 2 previous 2 phase 0 versions 1",
        }, steps);
        Assert.Equal(Members(Example(y => y.Replace("weight: 2", "weight: 3"))), pools.States[1].CurrentMembers.ToString());

        steps.Clear();
        await changer.ApplyAsync(Example(y => y.Replace("weight: 2", "weight: 3")), CancellationToken.None);
        Assert.Equal(new[] { "current 2 previous 2 phase 0 versions 1" }, steps);
    }

    [Fact]
    public async Task ChangeCutShortWhileDraining_FinishedAfterABarrier_OnTheNewVersion()
    {
        var pools = new PoolVersions(P4Info);
        pools.Adopt(Example());
        var web2 = Example().Backends.Single(b => b.Name == "web2");
        pools.Set(pools.States[1].Record(PoolMembers.Of([new(web2.Id, 1, web2.SwitchPort)]), 7).Flip());
        var learned = new PoolVersions(P4Info);
        learned.Learn(pools.Entries());
        var steps = new List<string>();
        var changer = new PoolChanger(learned, _ =>
        {
            steps.Add($"reconcile current {learned.States[1].Current} phase {learned.States[1].Phase} versions {learned.States[1].Versions.Count}");
            return Task.FromResult(ReconcileResult.None);
        }, _ =>
        {
            steps.Add("barrier");
            return Task.CompletedTask;
        }, NullLogger.Instance);

        await changer.ApplyAsync(Example(y => y.Replace("pool: [web1, web2, web3]", "pool: [web2]")), CancellationToken.None);

        // Settle, retire, then the configuration's reconcile: the pool is already the new version's.
        Assert.Equal(new[] { "barrier", "reconcile current 2 phase Steady versions 2", "reconcile current 2 phase Steady versions 1", "reconcile current 2 phase Steady versions 1" }, steps);
    }
}
