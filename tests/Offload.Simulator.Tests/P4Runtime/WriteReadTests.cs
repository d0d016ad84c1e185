using Google.Protobuf;
using Offload.Grpc;
using Offload.P4Runtime.Entities;
using Offload.P4Runtime.Session;
using P4.V1;
using Offload.Tests.Common.Simulator;
using Xunit;

namespace Offload.Simulator.Tests.P4Runtime;

/// <summary>Write and Read against offload-sim over real HTTP/2: per-update errors as the spec lists them, wildcards, canonical reads.</summary>
public sealed class WriteReadTests : IAsyncLifetime
{
    private SimulatorHarness _sim = null!;
    private StreamSession _session = null!;
    private P4RuntimeClient _client = null!;

    public async Task InitializeAsync()
    {
        _sim = await SimulatorHarness.StartAsync();
        _session = await _sim.Controller.PrimaryAsync(10);
        _client = _sim.Controller.Client(10);
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        await _sim.DisposeAsync();
    }

    private TableEntry RouterMac(string mac) =>
        new TableEntryBuilder(_sim.P4Info, "router_macs").Exact("eth_dst", mac).Action("set_routable").Build();

    private static Entity E(TableEntry entry) => new() { TableEntry = entry };

    [Fact]
    public async Task Write_MixedBatch_OneErrorPerUpdateInOrder()
    {
        var good = RouterMac("00:aa:00:00:00:01");
        var unknownTable = good.Clone();
        unknownTable.TableId = 0x02ffffff;
        var wrongKind = good.Clone();
        wrongKind.Match[0].Ternary = new FieldMatch.Types.Ternary { Value = wrongKind.Match[0].Exact.Value, Mask = ByteString.CopyFrom(0xff) };
        var tooWide = good.Clone();
        tooWide.Match[0].Exact.Value = ByteString.CopyFrom(1, 0, 0, 0, 0, 0, 0);
        var empty = good.Clone();
        empty.Match[0].Exact.Value = ByteString.Empty;
        var withPriority = good.Clone();
        withPriority.Priority = 5;
        var aclWithoutPriority = new TableEntryBuilder(_sim.P4Info, "acl").Ternary("ip_proto", 6, 0xff).Action("drop_acl").Priority(1).Build();
        aclWithoutPriority.Priority = 0;
        var lpmTrailingBits = new TableEntryBuilder(_sim.P4Info, "routing_v4").Lpm("ipv4_dst", "10.0.0.0/8")
            .Action("drop_route").Build();
        lpmTrailingBits.Match[0].Lpm.Value = ByteString.CopyFrom(10, 1, 0, 0);
        var padded = RouterMac("00:aa:00:00:00:02");
        padded.Match[0].Exact.Value = ByteString.CopyFrom(0, 0, 0, 0xaa, 0, 0, 0, 2);

        var result = await _client.WriteAsync([
            P4RuntimeClient.Insert(E(good)),
            P4RuntimeClient.Insert(E(good)),
            P4RuntimeClient.Delete(E(RouterMac("00:aa:00:00:00:99"))),
            P4RuntimeClient.Insert(E(unknownTable)),
            P4RuntimeClient.Insert(E(wrongKind)),
            P4RuntimeClient.Insert(E(tooWide)),
            P4RuntimeClient.Insert(E(empty)),
            P4RuntimeClient.Insert(E(withPriority)),
            P4RuntimeClient.Insert(E(aclWithoutPriority)),
            P4RuntimeClient.Insert(E(lpmTrailingBits)),
            P4RuntimeClient.Insert(E(padded)),
        ]);

        Assert.Equal(
            [StatusCode.OK, StatusCode.AlreadyExists, StatusCode.NotFound, StatusCode.InvalidArgument, StatusCode.InvalidArgument,
             StatusCode.OutOfRange, StatusCode.InvalidArgument, StatusCode.InvalidArgument, StatusCode.InvalidArgument,
             StatusCode.InvalidArgument, StatusCode.OK],
            result.Updates.Select(u => u.Code));
        Assert.Contains("exact field, not ternary", result.Updates[4].Message);
        Assert.Contains("priority", result.Updates[8].Message);
    }

    [Fact]
    public async Task Read_PaddedWrite_ReturnsCanonicalBytes()
    {
        var entry = RouterMac("00:aa:00:00:00:02");
        entry.Match[0].Exact.Value = ByteString.CopyFrom(0, 0, 0, 0xaa, 0, 0, 0, 2);
        (await _client.WriteAsync([P4RuntimeClient.Insert(E(entry))])).ThrowIfFailed();

        var read = await _client.ReadAsync([E(new TableEntry { TableId = entry.TableId })]).ToListAsync();

        var value = Assert.Single(read).TableEntry.Match[0].Exact.Value;
        Assert.Equal(ByteString.CopyFrom(0xaa, 0, 0, 0, 2), value);
    }

    // PI answers a read in the form the writer used: the deprecated uint32 egress_port, or the port bytestring.
    [Fact]
    public async Task Replicas_ReadBackInTheFormTheWriterUsed()
    {
        var group = new MulticastGroupEntry { MulticastGroupId = 7 };
        group.Replicas.Add(new Replica { EgressPort = 3, Instance = 1 });
        group.Replicas.Add(new Replica { Port = ByteString.CopyFrom(0, 4), Instance = 1 });
        var clone = new CloneSessionEntry { SessionId = 9 };
        clone.Replicas.Add(new Replica { EgressPort = 2, Instance = 0 });
        (await _client.WriteAsync([
            P4RuntimeClient.Insert(new Entity { PacketReplicationEngineEntry = new() { MulticastGroupEntry = group } }),
            P4RuntimeClient.Insert(new Entity { PacketReplicationEngineEntry = new() { CloneSessionEntry = clone } }),
        ])).ThrowIfFailed();

        var groups = await _client.ReadAsync([new Entity { PacketReplicationEngineEntry = new() { MulticastGroupEntry = new() } }]).ToListAsync();
        var replicas = Assert.Single(groups).PacketReplicationEngineEntry.MulticastGroupEntry.Replicas;
        Assert.Equal(Replica.PortKindOneofCase.EgressPort, replicas[0].PortKindCase);
        Assert.Equal(3u, replicas[0].EgressPort);
        Assert.Equal(Replica.PortKindOneofCase.Port, replicas[1].PortKindCase);
        Assert.Equal(ByteString.CopyFrom(4), replicas[1].Port);
        var sessions = await _client.ReadAsync([new Entity { PacketReplicationEngineEntry = new() { CloneSessionEntry = new() } }]).ToListAsync();
        Assert.Equal(2u, Assert.Single(Assert.Single(sessions).PacketReplicationEngineEntry.CloneSessionEntry.Replicas).EgressPort);
    }

    [Fact]
    public async Task Write_TableFull_ResourceExhausted()
    {
        var updates = Enumerable.Range(1, 65).Select(i => P4RuntimeClient.Insert(E(RouterMac($"00:aa:00:00:01:{i:x2}")))).ToList();
        var result = await _client.WriteAsync(updates);
        Assert.All(result.Updates.Take(64), u => Assert.True(u.Ok, u.ToString()));
        Assert.Equal(StatusCode.ResourceExhausted, result.Updates[64].Code);
    }

    [Fact]
    public async Task Write_RollbackOnError_Unimplemented()
    {
        var request = new WriteRequest
        {
            DeviceId = SimulatorHarness.DeviceId, ElectionId = new Uint128 { Low = 10 }, Atomicity = WriteRequest.Types.Atomicity.RollbackOnError,
        };
        request.Updates.Add(P4RuntimeClient.Insert(E(RouterMac("00:aa:00:00:00:01"))));
        var error = await Assert.ThrowsAsync<RpcException>(() => _sim.Channel.UnaryAsync(P4RuntimeMethods.Write, request));
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task DefaultEntry_ModifyReadReset()
    {
        var table = _sim.P4Info.Tables["routing_v4"].Preamble.Id;
        var modify = new TableEntryBuilder(_sim.P4Info, "routing_v4").AsDefault().Action("drop_route").Build();
        (await _client.WriteAsync([P4RuntimeClient.Modify(E(modify))])).ThrowIfFailed();
        var read = await _client.ReadAsync([E(new TableEntry { TableId = table, IsDefaultAction = true })]).SingleAsync();
        Assert.Equal(_sim.P4Info.Actions["drop_route"].Preamble.Id, read.TableEntry.Action.Action.ActionId);

        var insertDefault = (await _client.WriteAsync([P4RuntimeClient.Insert(E(modify))])).Updates[0];
        Assert.Equal(StatusCode.InvalidArgument, insertDefault.Code);

        (await _client.WriteAsync([P4RuntimeClient.Modify(E(new TableEntry { TableId = table, IsDefaultAction = true }))])).ThrowIfFailed();
        read = await _client.ReadAsync([E(new TableEntry { TableId = table, IsDefaultAction = true })]).SingleAsync();
        Assert.Equal(_sim.P4Info.Actions["no_route"].Preamble.Id, read.TableEntry.Action.Action.ActionId);
    }

    [Fact]
    public async Task ActionProfile_MemberInUse_FailedPrecondition_ThenGroupAndMemberReadBack()
    {
        var member = ActionProfileBuilder.Member(_sim.P4Info, "backend_selector", 1, "set_backend_id", new Dictionary<string, P4Value> { ["backend_id"] = 1 });
        var group = ActionProfileBuilder.Group(_sim.P4Info, "backend_selector", 7, [(1u, 3, null)]);
        (await _client.WriteAsync([P4RuntimeClient.Insert(new Entity { ActionProfileMember = member })])).ThrowIfFailed();
        (await _client.WriteAsync([P4RuntimeClient.Insert(new Entity { ActionProfileGroup = group })])).ThrowIfFailed();

        var delete = await _client.WriteAsync([P4RuntimeClient.Delete(new Entity { ActionProfileMember = member })]);
        Assert.Equal(StatusCode.FailedPrecondition, delete.Updates[0].Code);

        var groups = await _client.ReadAsync([new Entity { ActionProfileGroup = new ActionProfileGroup() }]).ToListAsync();
        Assert.Equal(3, Assert.Single(groups).ActionProfileGroup.Members[0].Weight);
        var unknown = await _client.WriteAsync([P4RuntimeClient.Insert(E(new TableEntryBuilder(_sim.P4Info, "backend_select").Exact("vip_id", 1).Exact("pool_version", 0).Group(8).Build()))]);
        Assert.Equal(StatusCode.NotFound, unknown.Updates[0].Code);
    }

    [Fact]
    public async Task Read_ManyEntries_SplitIntoResponsesUnder4MiB()
    {
        const int Count = 60_000;
        for (var batch = 0; batch < Count; batch += 10_000)
        {
            var updates = Enumerable.Range(batch, 10_000).Select(i => P4RuntimeClient.Insert(E(new TableEntryBuilder(_sim.P4Info, "conn_v6")
                .Exact("ipv6_src", $"2001:db8::{i:x}").Exact("ipv6_dst", "2001:db8:100::1").Exact("ip_proto", 6)
                .Exact("l4_src_port", 40000).Exact("l4_dst_port", 443).Action("forward", ("backend_id", 1), ("seq_delta", 0), ("ack_delta", 0))
                .Metadata(ByteString.CopyFrom(new byte[40])).Build()))).ToList();
            (await _client.WriteAsync(updates)).ThrowIfFailed();
        }
        var request = new ReadRequest { DeviceId = SimulatorHarness.DeviceId };
        request.Entities.Add(E(new TableEntry { TableId = _sim.P4Info.Tables["conn_v6"].Preamble.Id }));
        var sizes = new List<int>();
        var total = 0;
        using var call = _sim.Channel.ServerStreaming(P4RuntimeMethods.Read, request);
        while (await call.ResponseStream.MoveNext())
        {
            sizes.Add(call.ResponseStream.Current.CalculateSize());
            total += call.ResponseStream.Current.Entities.Count;
        }
        Assert.Equal(Count, total);
        Assert.True(sizes.Count > 1, "expected several responses");
        Assert.All(sizes, s => Assert.True(s < 4 * 1024 * 1024, $"a {s}-byte response"));
    }

    [Fact]
    public async Task Write_OneMalformedUpdate_FailsTheWholeRequest_AndAppliesNothing()
    {
        var good = P4RuntimeClient.Insert(E(RouterMac("00:aa:00:00:00:09"))).ToByteString();
        var request = new Offload.P4Runtime.Views.EncodedWriteRequest { DeviceId = SimulatorHarness.DeviceId, ElectionId = new Uint128 { Low = 10 } };
        request.Updates.Add(good);
        request.Updates.Add(ByteString.CopyFrom(good.Span[..^3]));
        var refused = await Assert.ThrowsAsync<RpcException>(() => _sim.Channel.UnaryAsync(P4RuntimeMethods.EncodedWrite, request));
        Assert.Equal(StatusCode.Internal, refused.StatusCode);
        Assert.Contains("Failed to deserialize", refused.Status.Detail);
        Assert.Empty(await _client.ReadAsync([E(new TableEntry { TableId = RouterMac("00:aa:00:00:00:09").TableId })]).ToListAsync());

        request.Updates.RemoveAt(1);
        await _sim.Channel.UnaryAsync(P4RuntimeMethods.EncodedWrite, request);
        Assert.Single(await _client.ReadAsync([E(new TableEntry { TableId = RouterMac("00:aa:00:00:00:09").TableId })]).ToListAsync());
    }

    [Fact]
    public async Task Write_EncodedAndPlainRequests_ApplyTheSameUpdates()
    {
        var encoded = EncodedUpdates.Of([P4RuntimeClient.Insert(E(RouterMac("00:aa:00:00:00:0a"))), P4RuntimeClient.Insert(E(RouterMac("00:aa:00:00:00:0a")))]);
        var result = await _client.WriteAsync(encoded);
        Assert.Equal([StatusCode.OK, StatusCode.AlreadyExists], result.Updates.Select(u => u.Code));
        Assert.Equal(RouterMac("00:aa:00:00:00:0a"), result.Updates[1].Update.Entity.TableEntry);
        var plain = await _client.WriteAsync([P4RuntimeClient.Insert(E(RouterMac("00:aa:00:00:00:0a")))]);
        Assert.Equal(StatusCode.AlreadyExists, plain.Updates[0].Code);
        Assert.Equal(result.Updates[1].Message, plain.Updates[0].Message);
    }
}
