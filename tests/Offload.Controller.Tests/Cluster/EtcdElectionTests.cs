using Microsoft.Extensions.Logging.Abstractions;
using Offload.Controller.Cluster;
using Offload.Grpc.Client;
using Offload.Tests.Common.Live;
using Xunit;

namespace Offload.Controller.Tests.Cluster;

/// <summary>The election against a real etcd: one leader at a time, and every new leader's id above the last one's.</summary>
public sealed class EtcdElectionTests
{
    [Fact]
    public async Task SecondCandidateLeads_OnlyWhenTheFirstGoes_WithAHigherElectionId()
    {
        using var etcd = await EtcdProcess.StartAsync();
        using var channel = GrpcChannel.ForAddress(etcd.Address);
        var ttl = TimeSpan.FromSeconds(2);
        await using var first = new EtcdElection(channel, "offload/switch/s1", "c1", ttl, NullLogger.Instance);
        await using var second = new EtcdElection(channel, "offload/switch/s1", "c2", ttl, NullLogger.Instance);

        var firstId = await first.CampaignAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(first.IsLeader);
        var secondWins = second.CampaignAsync();
        await Task.Delay(ttl + TimeSpan.FromSeconds(1));
        Assert.False(secondWins.IsCompleted, "the second candidate led while the first kept its lease alive");

        // The first stops keeping its lease alive (as a killed controller does): the second leads once the lease expires.
        var gone = System.Diagnostics.Stopwatch.StartNew();
        await first.DisposeAsync();
        var secondId = await secondWins.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.True(secondId > firstId, $"{secondId} after {firstId}");
        Assert.InRange(gone.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(10));

        // Resigning hands over at once: a third candidate leads without waiting for a lease, with a higher id again.
        await using var third = new EtcdElection(channel, "offload/switch/s1", "c3", ttl, NullLogger.Instance);
        var thirdWins = third.CampaignAsync();
        await second.ResignAsync();
        var thirdId = await thirdWins.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(thirdId > secondId, $"{thirdId} after {secondId}");
    }
}
