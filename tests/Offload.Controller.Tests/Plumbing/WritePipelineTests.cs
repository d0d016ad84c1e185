using Offload.Controller.Plumbing;
using Offload.Grpc;
using Offload.P4Runtime.Session;
using P4.V1;
using Offload.Tests.Common;
using Xunit;

namespace Offload.Controller.Tests.Plumbing;

/// <summary>The write pipeline at its edge: a fake Write that records what it was sent and answers when told.</summary>
public sealed class WritePipelineTests
{
    private static Update Insert(uint table) => P4RuntimeClient.Insert(new Entity { TableEntry = new TableEntry { TableId = table } });

    private sealed class SlowSwitch
    {
        public readonly List<uint[]> Writes = new();
        public TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<WriteResult> WriteAsync(IReadOnlyList<Update> updates, CancellationToken cancellationToken)
        {
            lock (Writes)
                Writes.Add(updates.Select(u => u.Entity.TableEntry.TableId).ToArray());
            await Release.Task.WaitAsync(cancellationToken);
            return WriteResult.Of(updates, updates.Select(u => u.Entity.TableEntry.TableId % 2 == 0 ? StatusCode.OK : StatusCode.AlreadyExists).ToList());
        }
    }

    [Fact]
    public async Task QueuedWhileAWriteIsOut_LeaveTogetherInOrder_EachCallerGetsItsOwnResults()
    {
        var sw = new SlowSwitch();
        await using var pipeline = new WritePipeline(sw.WriteAsync, capacity: 8, maxBatch: 5);
        var first = await pipeline.EnqueueAsync([Insert(2)]);
        await Eventually.WaitUntil(() => sw.Writes.Count == 1);
        var second = await pipeline.EnqueueAsync([Insert(4), Insert(5)]);
        var third = await pipeline.EnqueueAsync([Insert(6), Insert(7)]);
        var fourth = await pipeline.EnqueueAsync([Insert(8), Insert(9)]);
        Assert.Equal(6, pipeline.Backlog);
        sw.Release.SetResult();
        var results = await Task.WhenAll(first, second, third, fourth);

        Assert.Equal(new[] { new uint[] { 2 }, [4, 5, 6, 7], [8, 9] }, sw.Writes);
        Assert.Equal(new[] { StatusCode.OK, StatusCode.AlreadyExists }, results[1].Updates.Select(u => u.Code));
        Assert.Equal(new[] { 0, 1 }, results[2].Updates.Select(u => u.Index));
        Assert.Equal(6u, results[2].Updates[0].Update.Entity.TableEntry.TableId);
        Assert.Equal(0, pipeline.Backlog);
        Assert.Equal(3, pipeline.Writes);
    }

    [Fact]
    public async Task FullQueue_CallersWait_UntilTheSwitchCatchesUp()
    {
        var sw = new SlowSwitch();
        await using var pipeline = new WritePipeline(sw.WriteAsync, capacity: 2, maxBatch: 1);
        await pipeline.EnqueueAsync([Insert(2)]);
        await Eventually.WaitUntil(() => sw.Writes.Count == 1);
        await pipeline.EnqueueAsync([Insert(4)]);
        await pipeline.EnqueueAsync([Insert(6)]);
        var blocked = pipeline.EnqueueAsync([Insert(8)]).AsTask();
        await Task.Delay(100);
        Assert.False(blocked.IsCompleted);
        sw.Release.SetResult();
        await (await blocked).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task FailedWrite_EveryCallerInItSeesTheError_TheNextWriteGoesOut()
    {
        var calls = 0;
        await using var pipeline = new WritePipeline((updates, _) => ++calls == 1
            ? Task.FromException<WriteResult>(new RpcException(new RpcStatus(StatusCode.Unavailable, "switch gone")))
            : Task.FromResult(WriteResult.Of(updates, updates.Select(_ => StatusCode.OK).ToList())));
        var failed = await Assert.ThrowsAsync<RpcException>(() => pipeline.WriteAsync([Insert(2)]));
        Assert.Equal(StatusCode.Unavailable, failed.Status.Code);
        Assert.True((await pipeline.WriteAsync([Insert(4)])).AllOk);
    }
}
