using Google.Protobuf;

namespace Offload.Controller.Cluster;

/// <summary>
/// Changes to etcd records queued by key and written behind, in transactions of up to 128 operations: the newest change
/// of a key wins, and a batch that fails goes back in the queue unless a newer change has replaced it.
/// </summary>
public sealed class EtcdWriteBehind<TKey>(EtcdClient etcd, Func<TKey, string> keyOf) where TKey : notnull
{
    private readonly Dictionary<TKey, ByteString?> _pending = new();
    private long _written;

    /// <summary>Released on every change: a writer waits on it between flushes.</summary>
    public SemaphoreSlim Changed { get; } = new(0, int.MaxValue);

    public long Written => Interlocked.Read(ref _written);

    public int Pending
    {
        get
        {
            lock (_pending)
                return _pending.Count;
        }
    }

    public void Put(TKey key, ByteString value) => Queue(key, value);

    public void Delete(TKey key) => Queue(key, null);

    private void Queue(TKey key, ByteString? value)
    {
        lock (_pending)
            _pending[key] = value;
        Changed.Release();
    }

    /// <summary>
    /// Writes until cancelled: waits for changes, asks <paramref name="leaseFor"/> for the lease the puts go on (it may
    /// take a new one), and flushes. A failure is told to <paramref name="problem"/> (which may drop the lease) and
    /// tried again half a second later; the first success after failures is told as <c>null</c>.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task<long>> leaseFor, Action<Exception?> problem, CancellationToken cancellationToken)
    {
        var failing = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Changed.WaitAsync(TimeSpan.FromMilliseconds(100), cancellationToken);
                if (Pending == 0)
                    continue;
                await FlushAsync(await leaseFor(cancellationToken), cancellationToken);
                if (failing)
                    problem(null);
                failing = false;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is Offload.Grpc.RpcException or IOException or OperationCanceledException)
            {
                failing = true;
                problem(ex);
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Writes everything queued, the puts on <paramref name="lease"/>; throws what etcd or the transport throws.</summary>
    public async Task FlushAsync(long lease, CancellationToken cancellationToken)
    {
        while (true)
        {
            List<KeyValuePair<TKey, ByteString?>> batch;
            lock (_pending)
            {
                batch = _pending.Take(EtcdClient.MaxTxnOps).ToList();
                foreach (var (key, _) in batch)
                    _pending.Remove(key);
            }
            if (batch.Count == 0)
                break;
            try
            {
                await etcd.WriteAsync(batch.Select(c => c.Value is { } value ? EtcdClient.Put(keyOf(c.Key), value, lease) : EtcdClient.Delete(keyOf(c.Key))),
                    cancellationToken);
                Interlocked.Add(ref _written, batch.Count);
            }
            catch
            {
                lock (_pending)
                {
                    foreach (var (key, value) in batch)
                        _pending.TryAdd(key, value);
                }
                throw;
            }
        }
        // Every change signalled so far is written.
        while (Changed.CurrentCount > 0 && Changed.Wait(0))
        {
        }
    }
}
