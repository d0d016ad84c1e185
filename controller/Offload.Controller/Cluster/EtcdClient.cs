using Etcdserverpb;
using Google.Protobuf;
using Offload.Grpc;
using Offload.Grpc.Client;

namespace Offload.Controller.Cluster;

/// <summary>
/// The etcd v3 calls the controller makes (keys, transactions, leases), over the project's gRPC transport. Keys are
/// UTF-8 text, so an operator can read them with etcdctl.
/// </summary>
public sealed class EtcdClient(GrpcChannel channel)
{
    private static readonly Method<RangeRequest, RangeResponse> RangeMethod = new(MethodType.Unary, "etcdserverpb.KV", "Range", RangeRequest.Parser, RangeResponse.Parser);
    private static readonly Method<TxnRequest, TxnResponse> TxnMethod = new(MethodType.Unary, "etcdserverpb.KV", "Txn", TxnRequest.Parser, TxnResponse.Parser);
    private static readonly Method<LeaseGrantRequest, LeaseGrantResponse> GrantMethod =
        new(MethodType.Unary, "etcdserverpb.Lease", "LeaseGrant", LeaseGrantRequest.Parser, LeaseGrantResponse.Parser);
    private static readonly Method<LeaseKeepAliveRequest, LeaseKeepAliveResponse> KeepAliveMethod =
        new(MethodType.DuplexStreaming, "etcdserverpb.Lease", "LeaseKeepAlive", LeaseKeepAliveRequest.Parser, LeaseKeepAliveResponse.Parser);

    /// <summary>etcd's default limit on the operations of one transaction (--max-txn-ops).</summary>
    public const int MaxTxnOps = 128;

    public GrpcChannel Channel => channel;

    /// <summary>A lease of <paramref name="ttl"/> (whole seconds, at least one); its id.</summary>
    public async Task<long> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        var granted = await channel.UnaryAsync(GrantMethod, new LeaseGrantRequest { TTL = Math.Max(1, (long)Math.Ceiling(ttl.TotalSeconds)) },
            new CallOptions(CancellationToken: cancellationToken));
        return granted.Error.Length > 0 ? throw new IOException($"etcd refused a lease: {granted.Error}") : granted.ID;
    }

    /// <summary>
    /// Keeps a lease alive every <paramref name="period"/> until cancelled; throws <see cref="IOException"/> when etcd
    /// says the lease is gone, and what the transport throws when etcd cannot be reached.
    /// </summary>
    public async Task KeepAliveAsync(long lease, TimeSpan period, CancellationToken cancellationToken)
    {
        using var call = channel.DuplexStreaming(KeepAliveMethod, new CallOptions(CancellationToken: cancellationToken));
        while (!cancellationToken.IsCancellationRequested)
        {
            await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease });
            if (!await call.ResponseStream.MoveNext(cancellationToken) || call.ResponseStream.Current.TTL <= 0)
                throw new IOException($"etcd lease {lease:x} expired");
            await Task.Delay(period, cancellationToken);
        }
    }

    /// <summary>Applies puts and deletes in one transaction (at most <see cref="MaxTxnOps"/>, no key twice).</summary>
    public Task<TxnResponse> WriteAsync(IEnumerable<RequestOp> operations, CancellationToken cancellationToken = default)
    {
        var txn = new TxnRequest();
        txn.Success.Add(operations);
        return channel.UnaryAsync(TxnMethod, txn, new CallOptions(CancellationToken: cancellationToken));
    }

    public static RequestOp Put(string key, ByteString value, long lease) =>
        new() { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = value, Lease = lease } };

    public static RequestOp Delete(string key) => new() { RequestDeleteRange = new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(key) } };

    /// <summary>Every key under a prefix with its value, read in pages of <paramref name="page"/>.</summary>
    public async IAsyncEnumerable<(string Key, ByteString Value)> ReadPrefixAsync(string prefix, int page = 4096,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var start = ByteString.CopyFromUtf8(prefix);
        var end = PrefixEnd(prefix);
        while (true)
        {
            var response = await channel.UnaryAsync(RangeMethod, new RangeRequest { Key = start, RangeEnd = end, Limit = page },
                new CallOptions(CancellationToken: cancellationToken));
            foreach (var kv in response.Kvs)
                yield return (kv.Key.ToStringUtf8(), kv.Value);
            if (!response.More || response.Kvs.Count == 0)
                yield break;
            start = ByteString.CopyFrom([.. response.Kvs[^1].Key.Span, 0]);
        }
    }

    /// <summary>Deletes every key under a prefix; how many there were.</summary>
    public async Task<long> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var response = await WriteAsync([new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(prefix), RangeEnd = PrefixEnd(prefix) } }],
            cancellationToken);
        return response.Responses[0].ResponseDeleteRange.Deleted;
    }

    // The range end that covers every key with the prefix: the prefix with its last byte raised by one.
    private static ByteString PrefixEnd(string prefix)
    {
        var end = System.Text.Encoding.UTF8.GetBytes(prefix);
        end[^1]++;
        return ByteString.CopyFrom(end);
    }
}
