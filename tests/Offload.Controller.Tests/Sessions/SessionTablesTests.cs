using Offload.Controller.Classification;
using Offload.Controller.Plumbing;
using Offload.Controller.Sessions;
using Offload.Controller.Switches;
using Offload.Tests.Common;
using Xunit;

namespace Offload.Controller.Tests.Sessions;

public sealed class SessionTablesTests
{
    private static ConnectionKey Key(ushort port) => new(4, 0x0a000002, 0x0a006401, 6, port, 80);

    [Fact]
    public void ConnectionTable_OpenOnce_CountsPerBackend_CloseForgets()
    {
        var time = new ManualTime(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));
        var table = new InMemoryConnectionTable(time);
        Assert.True(table.Open(Key(1), 1, 7));
        Assert.False(table.Open(Key(1), 1, 8));
        Assert.True(table.Open(Key(2), 1, 9));
        Assert.Equal(new HashSet<int> { 7, 9 }, table.Backends);
        time.Advance(TimeSpan.FromSeconds(5));
        table.Seen(Key(1));
        Assert.True(table.TryGet(Key(1), out var tracked));
        Assert.Equal((7, 1_000_000L, 1_005_000L), (tracked.BackendId, tracked.CreatedUnixMs, tracked.LastSeenUnixMs));
        Assert.True(table.Close(Key(2), out var closed));
        Assert.Equal(9, closed.BackendId);
        Assert.False(table.Close(Key(2), out _));
        Assert.Equal(new HashSet<int> { 7 }, table.Backends);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void SessionTable_BoundUntilUnusedForTheTimeout()
    {
        var time = new ManualTime();
        var sessions = new InMemorySessionTable(time, TimeSpan.FromMinutes(1));
        var client = SessionKey.SourceIp(1, 0x0a000002);
        var tls = SessionKey.TlsSession(1, [1, 2, 3]);
        sessions.Bind(client, 4);
        sessions.Bind(tls, 5);
        Assert.NotEqual(tls, SessionKey.TlsSession(1, [1, 2, 3, 0]));
        time.Advance(TimeSpan.FromSeconds(50));
        Assert.Equal(4, sessions.Lookup(client));
        sessions.Bind(client, 4);
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(4, sessions.Lookup(client));
        Assert.Null(sessions.Lookup(tls));
        Assert.Equal(0, sessions.Expire());
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, sessions.Expire());
        Assert.Equal(0, sessions.Count);
        Assert.Throws<ArgumentException>(() => SessionKey.TlsSession(1, new byte[33]));
    }

    [Fact]
    public void LatencyHistogram_QuantilesWithinTheirBuckets()
    {
        var histogram = new LatencyHistogram();
        Assert.Null(histogram.Quantile(0.5));
        for (var i = 0; i < 99; i++)
            histogram.Observe(0.0015);
        histogram.Observe(0.3);
        Assert.InRange(histogram.Quantile(0.5)!.Value, 0.001, 0.002);
        Assert.InRange(histogram.Quantile(0.995)!.Value, 0.2, 0.5);
        Assert.Equal(100, histogram.Count);
        Assert.Equal(100, histogram.Buckets()[^1].Cumulative);
    }
}
