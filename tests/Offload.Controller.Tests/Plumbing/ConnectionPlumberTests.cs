using Offload.Controller.Configuration;
using Offload.Controller.LoadBalancing;
using Offload.Controller.Pipeline;
using Offload.Controller.Plumbing;
using Offload.P4Runtime.Schema;
using Offload.P4Runtime.Session;
using Offload.Tests.Common;
using Offload.Tests.Common.Packets;
using Offload.Tests.Common.Simulator;
using P4.V1;
using Xunit;

namespace Offload.Controller.Tests.Plumbing;

/// <summary>Flow setup in data-plane-select mode against offload-sim: the digest pins the connection, idleness removes it.</summary>
public sealed class ConnectionPlumberTests : IAsyncLifetime
{
    private const string Syn = "Ether(dst=\"02:00:00:00:00:01\", src=\"00:00:00:00:00:02\")/IP(src=\"10.0.0.2\", dst=\"10.0.100.1\")/TCP(sport=40000, dport=80, flags=\"S\")";
    private static readonly TimeSpan Wait = TestController.Wait;
    private SimulatorHarness _sim = null!;
    private StreamSession _session = null!;
    private P4RuntimeClient _client = null!;
    private P4InfoIndex P4Info => _sim.P4Info;

    public async Task InitializeAsync()
    {
        _sim = await SimulatorHarness.StartAsync();
        _session = await _sim.Controller.PrimaryAsync(1);
        _client = _sim.Controller.Client(1);
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        await _sim.DisposeAsync();
    }

    private async Task<OffloadConfig> ProgramAsync()
    {
        var yaml = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "offload.example.yaml")).Replace("pool: [web1, web2, web3]", "pool: [web1]");
        var config = ConfigLoader.Load(yaml, "example.yaml", n => new LoadBalancingPolicyRegistry().TryGet(n, out _));
        var reconciler = new Reconciler(_client, P4Info);
        await reconciler.ReconcileAsync(DesiredState.Build(config, config.Switches[0], P4Info));
        await reconciler.ReconcileDigestAsync(new DigestEntry
        {
            DigestId = P4Info.Digests[OffloadP4.ConnectionDigest].Preamble.Id,
            Config = new DigestEntry.Types.Config { MaxTimeoutNs = 1_000_000, MaxListSize = 64, AckTimeoutNs = 2_000_000_000 },
        });
        return config;
    }

    private Task<List<TableEntry>> ReadAsync(string table) =>
        _client.ReadAsync([new Entity { TableEntry = new TableEntry { TableId = P4Info.Tables[table].Preamble.Id } }]).Select(e => e.TableEntry).ToListAsync().AsTask();

    [Fact]
    public async Task Digest_PinsForwardAndReverse_IdleTimeoutRemovesBoth()
    {
        var config = await ProgramAsync();
        await using var writes = WritePipeline.For(_client);
        var plumber = new ConnectionPlumber(_client, writes, P4Info, config, TimeSpan.FromMilliseconds(400));

        var forwarded = Assert.Single(_sim.Inject(1, ScapyPacket.Build(Syn)));
        Assert.Equal(2u, forwarded.Port);
        var list = await _session.Digests.ReadAsync().AsTask().WaitAsync(Wait);
        var connection = Connection.FromDigest(P4Info, Assert.Single(list.Data));
        Assert.Equal(new Connection(4, 0x0a000002, 0x0a006401, 6, 40000, 80, config.Vips[0].Id, config.Backends[0].Id), connection);
        Assert.Equal(1, await plumber.PinAsync([connection, connection]));
        await _session.AckDigestAsync(list.DigestId, list.ListId);

        var forward = Assert.Single(await ReadAsync(OffloadP4.ConnV4));
        Assert.Equal(P4Info.Actions[OffloadP4.Forward].Preamble.Id, forward.Action.Action.ActionId);
        Assert.Single(await ReadAsync(OffloadP4.ReverseConnV4));
        Assert.Equal(0, await plumber.PinAsync([connection])); // a repeated digest of a tracked connection writes nothing

        var idle = await _session.IdleTimeouts.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal(1, await plumber.ForgetAsync(idle.TableEntry));
        Assert.Equal(1, await plumber.ForgetAsync(idle.TableEntry));
        Assert.Empty(await ReadAsync(OffloadP4.ConnV4));
        Assert.Empty(await ReadAsync(OffloadP4.ReverseConnV4));
        Assert.Equal(0, plumber.Count);
    }
}
