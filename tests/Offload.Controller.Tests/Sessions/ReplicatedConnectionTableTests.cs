using Microsoft.Extensions.Logging.Abstractions;
using Offload.Controller.Cluster;
using Offload.Controller.Plumbing;
using Offload.Controller.Sessions;
using Offload.Grpc.Client;
using Offload.Tests.Common;
using Offload.Tests.Common.Live;
using Xunit;

namespace Offload.Controller.Tests.Sessions;

/// <summary>The connection table replicated to a real etcd (Debian's etcd-server 3.4).</summary>
public sealed class ReplicatedConnectionTableTests : IAsyncLifetime
{
    private EtcdProcess _server = null!;
    private GrpcChannel _channel = null!;
    private EtcdClient _etcd = null!;

    public async Task InitializeAsync()
    {
        _server = await EtcdProcess.StartAsync();
        _channel = GrpcChannel.ForAddress(_server.Address);
        _etcd = new EtcdClient(_channel);
    }

    public Task DisposeAsync()
    {
        _channel.Dispose();
        _server.Dispose();
        return Task.CompletedTask;
    }

    private ReplicatedConnectionTable Started(string scope, TimeSpan ttl, bool replicating = true)
    {
        var table = new ReplicatedConnectionTable(_etcd, scope, ttl, NullLogger.Instance) { Replicating = replicating };
        table.Start();
        return table;
    }

    private static ConnectionKey Key(int i, byte version = 4) => version == 4
        ? new ConnectionKey(4, Addresses.ToNumber(System.Net.IPAddress.Parse("198.18.0.2")) + (UInt128)(i / 60000), Addresses.ToNumber(System.Net.IPAddress.Parse("198.18.100.1")), 6, (ushort)(1024 + i % 60000), 80)
        : new ConnectionKey(6, Addresses.ToNumber(System.Net.IPAddress.Parse("2001:2::2")), Addresses.ToNumber(System.Net.IPAddress.Parse("2001:2:0:100::1")), 17, (ushort)(1024 + i), 443);

    private async Task<int> CountAsync(string prefix)
    {
        var count = 0;
        await foreach (var _ in _etcd.ReadPrefixAsync(prefix))
            count++;
        return count;
    }

    [Fact]
    public async Task Changes_WrittenInBatches_ReadBackAsTracked()
    {
        await using var table = Started("s1", TimeSpan.FromSeconds(30));
        for (var i = 0; i < 300; i++)
            Assert.True(table.Open(Key(i), 1, 1 + i % 3));
        Assert.True(table.Open(Key(7, version: 6), 2, 9));
        Assert.False(table.Open(Key(0), 1, 2));
        for (var i = 0; i < 100; i++)
            Assert.True(table.Close(Key(i), out _));
        Assert.True(table.MarkClosing(Key(150), out _));
        await Eventually.WaitUntil(() => table.Pending == 0 && table.Written >= 201, TimeSpan.FromSeconds(10));
        Assert.Equal(201, await CountAsync(table.Prefix));

        var stored = (await table.LoadAsync()).ToDictionary(r => r.Key, r => r.Connection);
        Assert.Equal(table.Snapshot().ToDictionary(r => r.Key, r => r.Connection.BackendId), stored.ToDictionary(r => r.Key, r => r.Value.BackendId));
        Assert.True(stored[Key(150)].Closing);
        Assert.Equal((2, 9), (stored[Key(7, 6)].VipId, stored[Key(7, 6)].BackendId));
        Assert.Contains(await _etcd.ReadPrefixAsync(table.Prefix).Select(r => r.Key).ToListAsync(), k => k == $"{table.Prefix}4/198.18.0.2/1174/198.18.100.1/80/6");

        // A standby's table writes nothing; turned on, it writes everything it tracks.
        await using var mirror = Started("s2", TimeSpan.FromSeconds(30), replicating: false);
        mirror.Open(Key(1), 1, 1);
        mirror.Open(Key(2), 1, 1);
        await Task.Delay(300);
        Assert.Equal(0, await CountAsync(mirror.Prefix));
        mirror.Replicating = true;
        await Eventually.WaitUntil(async () => await CountAsync(mirror.Prefix) == 2, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task EtcdRestarted_ChangesWait_ThenAreWritten()
    {
        await using var table = Started("s1", TimeSpan.FromSeconds(30));
        for (var i = 0; i < 10; i++)
            table.Open(Key(i), 1, 1);
        await Eventually.WaitUntil(() => table.Pending == 0 && table.Written == 10, TimeSpan.FromSeconds(10));

        _server.Kill();
        for (var i = 10; i < 50; i++)
            table.Open(Key(i), 1, 1);
        table.Close(Key(0), out _);
        await Eventually.WaitUntil(() => table.Failures > 0, TimeSpan.FromSeconds(10));
        Assert.True(table.Pending > 0);

        await _server.RestartAsync();
        await Eventually.WaitUntil(() => table.Pending == 0, TimeSpan.FromSeconds(20));
        await Eventually.WaitUntil(async () => await CountAsync(table.Prefix) == 49, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task WriterGone_RecordsExpireWithItsLease()
    {
        var table = Started("s1", TimeSpan.FromSeconds(2));
        table.Open(Key(1), 1, 1);
        await Eventually.WaitUntil(async () => await CountAsync(table.Prefix) == 1, TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(1, await CountAsync(table.Prefix));

        // Its keepalives stop (a controller killed): the record is gone after the TTL.
        await table.DisposeAsync();
        await Eventually.WaitUntil(async () => await CountAsync(table.Prefix) == 0, TimeSpan.FromSeconds(15));
    }
}

/// <summary>The affinity table replicated to a real etcd: what one controller binds, the next one finds.</summary>
public sealed class ReplicatedSessionTableTests
{
    [Fact]
    public async Task Binds_Written_ReloadedByAnotherTable()
    {
        using var server = await EtcdProcess.StartAsync();
        using var channel = GrpcChannel.ForAddress(server.Address);
        var etcd = new EtcdClient(channel);
        var sessions = new[]
        {
            (SessionKey.SourceIp(1, 0x0a000002), 3),
            (SessionKey.TlsSession(4, [1, 2, 3]), 5),
            (SessionKey.TlsTicket(4, new byte[180]), 6),
        };
        await using (var first = new ReplicatedSessionTable(etcd, TimeSpan.FromMinutes(10), NullLogger.Instance))
        {
            first.Start();
            foreach (var (key, backend) in sessions)
                first.Bind(key, backend);
            first.Bind(sessions[0].Item1, 4);
            await Eventually.WaitUntil(() => first.Pending == 0 && first.Written >= 3, TimeSpan.FromSeconds(10));
        }
        await using var next = new ReplicatedSessionTable(etcd, TimeSpan.FromMinutes(10), NullLogger.Instance);
        Assert.Equal(3, await next.ReloadAsync());
        Assert.Equal([4, 5, 6], sessions.Select(s => next.Lookup(s.Item1)));
        Assert.Equal(0, await next.ReloadAsync());
    }

    [Fact]
    public void Key_RoundTrips_BadOnesRefused()
    {
        var key = SessionKey.TlsTicket(7, [9, 9]);
        Assert.Equal(key, ReplicatedSessionTable.Parse(ReplicatedSessionTable.Format(key)));
        Assert.Null(ReplicatedSessionTable.Parse("7/2/xyz"));
        Assert.Null(ReplicatedSessionTable.Parse("7/9/" + new string('0', 64)));
    }
}

/// <summary>A replicated connection record: its key and value as text, and what is refused.</summary>
public sealed class ConnectionRecordTests
{
    [Theory]
    [InlineData("4/198.18.0.2/1174/198.18.100.1/80/6", "1 3 1700000000000 1700000000500 0")]
    [InlineData("6/2001:2::2/1031/2001:2:0:100::1/443/17", "2 9 1700000000000 1700000000000 1")]
    [InlineData("4/198.18.0.2/40000/198.18.100.4/443/6", "4 5 1700000000000 1700000000000 0 0 4294967264")]
    public void Record_RoundTrips(string key, string value)
    {
        var parsed = ReplicatedConnectionTable.Parse(key, value);
        Assert.NotNull(parsed);
        Assert.Equal((key, value), ReplicatedConnectionTable.Format(parsed.Value.Key, parsed.Value.Connection));
    }

    [Theory]
    [InlineData("4/198.18.0.2/1174/198.18.100.1/80", "1 3 1 1 0")]
    [InlineData("5/198.18.0.2/1174/198.18.100.1/80/6", "1 3 1 1 0")]
    [InlineData("4/nonsense/1174/198.18.100.1/80/6", "1 3 1 1 0")]
    [InlineData("4/198.18.0.2/1174/198.18.100.1/80/6", "1 3 1 1 2")]
    [InlineData("4/198.18.0.2/1174/198.18.100.1/80/6", "1 3 1")]
    public void Record_Unreadable_Refused(string key, string value) => Assert.Null(ReplicatedConnectionTable.Parse(key, value));
}
