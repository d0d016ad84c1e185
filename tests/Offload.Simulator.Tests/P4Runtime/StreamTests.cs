using Google.Protobuf;
using Offload.Grpc;
using Offload.P4Runtime.Bytestrings;
using Offload.P4Runtime.Entities;
using Offload.P4Runtime.Session;
using Offload.Tests.Common;
using Offload.Tests.Common.Packets;
using Offload.Tests.Common.Simulator;
using P4.V1;
using Xunit;

namespace Offload.Simulator.Tests.P4Runtime;

/// <summary>The StreamChannel of offload-sim: digests and acks, idle timeouts, packet-in/out, and arbitration guarding writes.</summary>
public sealed class StreamTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TestController.Wait;
    private const string Syn = "Ether(dst=\"00:aa:00:00:01:00\", src=\"00:00:00:00:00:02\")/IP(src=\"10.0.0.2\", dst=\"10.0.100.1\")/TCP(sport=40000, dport=80, flags=\"S\")";
    private SimulatorHarness _sim = null!;
    private StreamSession _session = null!;
    private P4RuntimeClient _client = null!;

    public async Task InitializeAsync()
    {
        _sim = await SimulatorHarness.StartAsync();
        _session = await _sim.Controller.PrimaryAsync(10);
        _client = _sim.Controller.Client(10);
        await WriteAsync(
            Entry("router_macs", b => b.Exact("eth_dst", "00:aa:00:00:01:00").Action("set_routable")),
            Entry("vip_v4", b => b.Exact("ipv4_dst", "10.0.100.1").Exact("ip_proto", 6).Exact("l4_dst_port", 80)
                .Action("set_vip", ("vip_id", 1), ("mode", 0), ("punt_non_syn", 0))),
            Entry("backends", b => b.Exact("backend_id", 1).Action("set_backend_v4", ("ipv4_addr", "10.0.1.11"), ("l4_port", 8080))),
            Entry("backends", b => b.Exact("backend_id", 2).Action("set_backend_v4", ("ipv4_addr", "10.0.1.12"), ("l4_port", 8080))),
            Entry("routing_v4", b => b.Lpm("ipv4_dst", "10.0.1.0/24").Action("set_next_hop", ("port", 2), ("src_mac", "00:aa:00:00:00:02"), ("dst_mac", "00:00:00:00:01:11"))));
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        await _sim.DisposeAsync();
    }

    private Entity Entry(string table, Func<TableEntryBuilder, TableEntryBuilder> build) =>
        new() { TableEntry = build(new TableEntryBuilder(_sim.P4Info, table)).Build() };

    private async Task WriteAsync(params Entity[] entities) =>
        (await _client.WriteAsync(entities.Select(P4RuntimeClient.Insert).ToList())).ThrowIfFailed();

    private Task SelectAsync(params (string Action, IReadOnlyDictionary<string, P4Value>? Params, int Weight, ByteString? WatchPort)[] actions) =>
        WriteAsync(Entry("backend_select", b => b.Exact("vip_id", 1).Exact("pool_version", 0).ActionSet(actions)));

    private static Dictionary<string, P4Value> Backend(int id) => new() { ["backend_id"] = id };

    [Fact]
    public async Task Digest_UnackedDataNotResent_UntilAcked()
    {
        await SelectAsync(("set_backend_id", Backend(1), 1, null));
        var digestId = _sim.P4Info.Digests["connection_digest_t"].Preamble.Id;
        await WriteAsync(new Entity { DigestEntry = new DigestEntry { DigestId = digestId, Config = new DigestEntry.Types.Config { MaxTimeoutNs = 0, MaxListSize = 1, AckTimeoutNs = 60_000_000_000 } } });

        _sim.Inject(1, ScapyPacket.Build(Syn));
        var list = await _session.Digests.ReadAsync().AsTask().WaitAsync(Wait);
        var data = Assert.Single(list.Data);
        Assert.Equal(P4Bytes.Encode(40000, 16), data.Struct.Members[4].Bitstring);
        Assert.Equal(P4Bytes.Encode(1, 16), data.Struct.Members[7].Bitstring);

        _sim.Inject(1, ScapyPacket.Build(Syn));
        await Task.Delay(300);
        Assert.False(_session.Digests.TryRead(out _), "the same digest was re-sent before its ack");

        await _session.AckDigestAsync(digestId, list.ListId);
        await Eventually.WaitUntil(() =>
        {
            _sim.Inject(1, ScapyPacket.Build(Syn));
            return _session.Digests.TryRead(out _);
        });
    }

    [Fact]
    public async Task IdleTimeout_NotifiesAndRepeats_UntilDeleted()
    {
        var conn = Entry("conn_v4", b => b.Exact("ipv4_src", "10.0.0.2").Exact("ipv4_dst", "10.0.100.1").Exact("ip_proto", 6)
            .Exact("l4_src_port", 40000).Exact("l4_dst_port", 80).Action("forward", ("backend_id", 1), ("seq_delta", 0), ("ack_delta", 0))
            .IdleTimeout(TimeSpan.FromMilliseconds(300)).Metadata(ByteString.CopyFromUtf8("c1")));
        await WriteAsync(conn);

        var first = await _session.IdleTimeouts.ReadAsync().AsTask().WaitAsync(Wait);
        var notified = Assert.Single(first.TableEntry);
        Assert.Equal(conn.TableEntry.Match, notified.Match);
        Assert.Equal(ByteString.CopyFromUtf8("c1"), notified.Metadata);
        await _session.IdleTimeouts.ReadAsync().AsTask().WaitAsync(Wait);

        (await _client.WriteAsync([P4RuntimeClient.Delete(conn)])).ThrowIfFailed();
        await Task.Delay(1000); // notifications sent before the delete may still be on their way
        while (_session.IdleTimeouts.TryRead(out _)) { }
        await Task.Delay(800);
        Assert.False(_session.IdleTimeouts.TryRead(out _), "notifications continued after the delete");
    }

    [Fact]
    public async Task WatchPort_DownMember_LeavesSelection()
    {
        await SelectAsync(("set_backend_id", Backend(1), 1, P4Bytes.Encode(7, 32)), ("set_backend_id", Backend(2), 1, null));
        _sim.SetPortUp(7, false);
        for (var port = 40000; port < 40020; port++)
        {
            var packet = ScapyPacket.Build(Syn.Replace("sport=40000", $"sport={port}"));
            var sent = Assert.Single(_sim.Inject(1, packet));
            Assert.Equal(ScapyPacket.Ipv4("10.0.1.12"), System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(sent.Packet.AsSpan(30)));
        }
    }

    [Fact]
    public async Task Selector_WeightedGroup_SpreadsFlowsByWeight()
    {
        await SelectAsync(("set_backend_id", Backend(1), 3, null), ("set_backend_id", Backend(2), 1, null));
        var toFirst = 0;
        for (var port = 1000; port < 5000; port++)
        {
            var sent = Assert.Single(_sim.Inject(1, ScapyPacket.Build(Syn.Replace("sport=40000", $"sport={port}"))));
            if (System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(sent.Packet.AsSpan(30)) == ScapyPacket.Ipv4("10.0.1.11"))
                toFirst++;
        }
        Assert.InRange(toFirst, 2800, 3200);
    }

    [Fact]
    public async Task PacketOutAndIn_OverTheStream()
    {
        var frame = ScapyPacket.Build("Ether(dst=\"00:00:00:00:01:11\", src=\"00:aa:00:00:00:02\")/IP(src=\"10.0.1.1\", dst=\"10.0.1.11\")/UDP()");
        await _session.SendPacketOutAsync(Offload.P4Runtime.Entities.PacketIo.PacketOut(_sim.P4Info, frame, new Dictionary<string, P4Value> { ["egress_port"] = 3, ["mode"] = 0 }));
        Assert.Equal(frame, await _sim.NextSentAsync(3));

        await WriteAsync(Entry("acl", b => b.Optional("ingress_port", 4).Action("punt_acl").Priority(1)));
        _sim.Receive(4, frame);
        var packetIn = await _session.PacketIns.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal(frame, packetIn.Payload.ToByteArray());
        Assert.Equal(P4Bytes.Encode(4, 16), packetIn.Metadata.Single(m => m.MetadataId == 1).Value);
        Assert.Equal(P4Bytes.Encode(3, 8), packetIn.Metadata.Single(m => m.MetadataId == 2).Value);
    }

    [Fact]
    public async Task PacketOut_MissingMetadata_StreamErrorInvalidArgument()
    {
        var message = new PacketOut { Payload = ByteString.CopyFrom(new byte[60]) };
        message.Metadata.Add(new PacketMetadata { MetadataId = 1, Value = P4Bytes.Encode(2, 16) });
        await _session.SendPacketOutAsync(message);
        var error = await _session.Errors.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal((int)StatusCode.InvalidArgument, error.CanonicalCode);
        Assert.Contains("mode", error.Message);
        Assert.NotNull(error.PacketOut);
    }

    [Fact]
    public async Task Arbitration_HigherIdTakesOver_OldPrimaryDemotedAndRefused()
    {
        var states = new List<ArbitrationState>();
        _session.ArbitrationChanged += s => { lock (states) states.Add(s); };
        await using var higher = await _sim.Controller.PrimaryAsync(20);
        await Eventually.WaitUntil(() => !_session.IsPrimary);

        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            _client.WriteAsync([P4RuntimeClient.Insert(Entry("l2", b => b.Exact("eth_dst", "00:00:00:00:00:05").Action("set_l2_port", ("port", 3))))]));
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        lock (states)
            Assert.Contains(states, s => !s.IsPrimary && s.Code == StatusCode.AlreadyExists);

        var counters = await _sim.Controller.Client(20).ReadAsync([new Entity { CounterEntry = new CounterEntry
        {
            CounterId = _sim.P4Info.Counters["drop_counter"].Preamble.Id, Index = new P4.V1.Index { Index_ = 12 },
        } }]).SingleAsync();
        Assert.Equal(0, counters.CounterEntry.Data.PacketCount);
    }
}
