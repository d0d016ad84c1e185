using System.Diagnostics;
using System.Threading.Channels;
using Offload.P4Runtime.Session;
using P4.V1;

namespace Offload.Controller.Plumbing;

/// <summary>
/// One switch's connection writes, in order, one Write on the wire at a time. Callers queue their updates, encoded
/// to bytes on their own thread (<see cref="EncodedUpdates"/>), and go on with the next batch; whatever queued while
/// a Write was out leaves merged in the next one (up to <see cref="MaxBatch"/> updates, concatenated, not encoded
/// again), and each caller gets its own share of the per-update results. The queue is
/// bounded: when the switch falls behind, callers wait for room, and that wait is the back-pressure that stops the
/// digest loop reading the stream.
/// </summary>
public sealed class WritePipeline : IAsyncDisposable
{
    private sealed record Job(EncodedUpdates Updates, TaskCompletionSource<WriteResult> Done, long Queued);

    private readonly Func<IReadOnlyList<Update>, CancellationToken, Task<WriteResult>> _write;
    private readonly Channel<Job> _jobs;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private Job? _carried;
    private long _queuedUpdates, _writes;

    public WritePipeline(Func<IReadOnlyList<Update>, CancellationToken, Task<WriteResult>> write, int capacity = 64, int maxBatch = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _write = write;
        MaxBatch = maxBatch;
        _jobs = Channel.CreateBounded<Job>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _run = Task.Run(RunAsync);
    }

    /// <summary>A pipeline onto one switch's Write RPC.</summary>
    public static WritePipeline For(P4RuntimeClient client, int capacity = 64, int maxBatch = 4096) =>
        new((updates, ct) => client.WriteAsync(updates, cancellationToken: ct), capacity, maxBatch);

    public int MaxBatch { get; }

    /// <summary>Updates queued and not yet written: the write backlog.</summary>
    public long Backlog => Interlocked.Read(ref _queuedUpdates);
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Told how long each caller's updates took from queueing to their results, in seconds.</summary>
    public Action<double>? Latency { get; init; }

    /// <summary>Queues the updates (waiting for room when the queue is full) and returns the task of their results.</summary>
    public async ValueTask<Task<WriteResult>> EnqueueAsync(IReadOnlyList<Update> updates, CancellationToken cancellationToken = default)
    {
        var job = new Job(EncodedUpdates.Of(updates), new TaskCompletionSource<WriteResult>(TaskCreationOptions.RunContinuationsAsynchronously), Stopwatch.GetTimestamp());
        if (updates.Count == 0)
        {
            job.Done.SetResult(WriteResult.Empty);
            return job.Done.Task;
        }
        Interlocked.Add(ref _queuedUpdates, updates.Count);
        try
        {
            await _jobs.Writer.WriteAsync(job, cancellationToken);
        }
        catch
        {
            Interlocked.Add(ref _queuedUpdates, -updates.Count);
            throw;
        }
        return job.Done.Task;
    }

    public async Task<WriteResult> WriteAsync(IReadOnlyList<Update> updates, CancellationToken cancellationToken = default) =>
        await await EnqueueAsync(updates, cancellationToken);

    private async Task RunAsync()
    {
        var batch = new List<Job>();
        try
        {
            while (_carried is not null || await _jobs.Reader.WaitToReadAsync(_stop.Token))
            {
                batch.Clear();
                var updates = new EncodedUpdates();
                while (TakeNext(updates.Count) is { } job)
                {
                    batch.Add(job);
                    updates.AddRange(job.Updates);
                }
                Interlocked.Add(ref _queuedUpdates, -updates.Count);
                await WriteBatchAsync(batch, updates);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task WriteBatchAsync(List<Job> batch, EncodedUpdates updates)
    {
        try
        {
            var result = await _write(updates, _stop.Token);
            Interlocked.Increment(ref _writes);
            var start = 0;
            foreach (var job in batch)
            {
                Latency?.Invoke(Stopwatch.GetElapsedTime(job.Queued).TotalSeconds);
                job.Done.TrySetResult(result.Slice(start, job.Updates.Count));
                start += job.Updates.Count;
            }
        }
        catch (Exception ex)
        {
            foreach (var job in batch)
                job.Done.TrySetException(ex);
        }
    }

    // A job that would push the batch past MaxBatch waits for the next Write, unless the batch is empty.
    private Job? TakeNext(int batched)
    {
        var job = _carried;
        _carried = null;
        if (job is null && !_jobs.Reader.TryRead(out job))
            return null;
        if (batched > 0 && batched + job.Updates.Count > MaxBatch)
        {
            _carried = job;
            return null;
        }
        return job;
    }

    public async ValueTask DisposeAsync()
    {
        _jobs.Writer.TryComplete();
        _stop.Cancel();
        await _run;
        while (_jobs.Reader.TryRead(out var job))
            job.Done.TrySetCanceled();
        _carried?.Done.TrySetCanceled();
        _stop.Dispose();
    }
}
