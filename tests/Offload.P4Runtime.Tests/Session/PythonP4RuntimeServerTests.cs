using Google.Protobuf;
using Offload.Grpc;
using Offload.Grpc.Client;
using Offload.P4Runtime.Bytestrings;
using Offload.P4Runtime.Entities;
using Offload.P4Runtime.Session;
using Offload.Tests.Common;
using P4.V1;
using Xunit;

namespace Offload.P4Runtime.Tests.Session;

/// <summary>Our P4Runtime client and stream session against a grpcio P4Runtime server (tests/interop/p4runtime_server.py).</summary>
public sealed class PythonP4RuntimeServerTests : IAsyncLifetime
{
    private const ulong DeviceId = 1;
    private static readonly TimeSpan Wait = TestController.Wait;
    private PythonServer? _server;
    private GrpcChannel? _channel;
    private TestController? _controller;

    public async Task InitializeAsync()
    {
        _server = await PythonServer.StartAsync("p4runtime_server.py", "--device-id", DeviceId.ToString());
        _channel = GrpcChannel.ForAddress(_server.Address);
        _controller = new TestController(_channel, DeviceId);
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_server is not null)
            await _server.DisposeAsync();
    }

    [Fact]
    public async Task Capabilities_ReportsApiVersion() =>
        Assert.Equal("1.5.0", await _controller!.Client(1).GetApiVersionAsync());

    [Fact]
    public async Task Arbitration_HigherElectionIdTakesOver_LowerIsToldItIsBackup()
    {
        await using var first = await _controller!.PrimaryAsync(1);
        var demoted = new TaskCompletionSource<ArbitrationState>();
        first.ArbitrationChanged += s => { if (!s.IsPrimary) demoted.TrySetResult(s); };

        var second = _controller!.Session(2);
        second.Start();
        await second.WaitForPrimaryAsync().WaitAsync(Wait);
        var state = await demoted.Task.WaitAsync(Wait);
        Assert.Equal(StatusCode.AlreadyExists, state.Code);
        Assert.Equal(new ElectionId(0, 2), state.PrimaryElectionId);

        await second.DisposeAsync();
        await first.WaitForPrimaryAsync().WaitAsync(Wait);
    }

    [Fact]
    public async Task Pipeline_SetThenGet_RoundTripsP4InfoAndCookie()
    {
        await using var session = await _controller!.PrimaryAsync(5);
        var client = _controller!.Client(5);
        Assert.Null(await client.GetPipelineAsync());
        await client.SetPipelineAsync(TestP4Info.Index.P4Info, ByteString.CopyFromUtf8("{bmv2 json}"), cookie: 42);
        var config = await client.GetPipelineAsync();
        Assert.Equal(TestP4Info.Index.P4Info, config!.P4Info);
        Assert.Equal(42ul, config.Cookie.Cookie_);
        Assert.Equal("{bmv2 json}", config.P4DeviceConfig.ToStringUtf8());
    }

    [Fact]
    public async Task Write_BatchWithDuplicate_PerUpdateErrorsInOrder_ThenReadStreamsAll()
    {
        await using var session = await _controller!.PrimaryAsync(5);
        var client = _controller!.Client(5);
        await client.SetPipelineAsync(TestP4Info.Index.P4Info, null);

        Entity Route(string prefix) => new()
        {
            TableEntry = new TableEntryBuilder(TestP4Info.Index, "ipv4_lpm").Lpm("hdr.ipv4.dstAddr", prefix).Action("drop").Build(),
        };
        var first = await client.WriteAsync([P4RuntimeClient.Insert(Route("10.0.0.0/8")), P4RuntimeClient.Insert(Route("10.1.0.0/16"))]);
        Assert.True(first.AllOk);

        // Sent as an EncodedWriteRequest: grpcio parses it as the WriteRequest it is on the wire.
        var second = await client.WriteAsync(EncodedUpdates.Of([
            P4RuntimeClient.Insert(Route("10.2.0.0/16")),
            P4RuntimeClient.Insert(Route("10.0.0.0/8")),
            P4RuntimeClient.Delete(Route("192.168.0.0/16")),
        ]));
        Assert.Equal([StatusCode.OK, StatusCode.AlreadyExists, StatusCode.NotFound], second.Updates.Select(u => u.Code));
        Assert.Contains("exists", second.Updates[1].Message);
        Assert.Equal("offload-fake", second.Updates[1].Space);
        Assert.Equal(Route("10.0.0.0/8"), second.Updates[1].Update.Entity);
        Assert.Contains("2 of 3 updates failed", Assert.Throws<P4RuntimeWriteException>(second.ThrowIfFailed).Message);

        var read = new List<Entity>();
        await foreach (var entity in client.ReadAsync([new Entity { TableEntry = new TableEntry() }]))
            read.Add(entity);
        Assert.Equal(3, read.Count);
    }

    [Fact]
    public async Task Write_NotPrimary_PermissionDenied()
    {
        await using var primary = await _controller!.PrimaryAsync(9);
        var error = await Assert.ThrowsAsync<RpcException>(() => _controller!.Client(3).WriteAsync([]));
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task Stream_PacketOutLoopsBack_DigestsIdleTimeoutsErrorsAndAcks()
    {
        await using var session = await _controller!.PrimaryAsync(7);

        await session.SendPacketOutAsync(PacketIo.PacketOut(TestP4Info.Index, [0xde, 0xad],
            new Dictionary<string, P4Value> { ["egress_port"] = 3, ["_pad"] = 0 }));
        var packetIn = await session.PacketIns.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal([0xde, 0xad], packetIn.Payload.ToByteArray());
        Assert.Equal(3ul, P4Bytes.ToUInt64(PacketIo.Metadata(TestP4Info.Index, packetIn)["ingress_port"]));

        await session.SendPacketOutAsync(new PacketOut { Payload = ByteString.CopyFromUtf8("digest") });
        var digest = await session.Digests.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal(397109657u, digest.DigestId);
        Assert.Equal("0A000001", Convert.ToHexString(digest.Data[0].Struct.Members[0].Bitstring.Span));
        await session.AckDigestAsync(digest.DigestId, digest.ListId);

        await session.SendPacketOutAsync(new PacketOut { Payload = ByteString.CopyFromUtf8("idle") });
        var idle = await session.IdleTimeouts.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal(42773236u, Assert.Single(idle.TableEntry).TableId);

        await session.SendPacketOutAsync(new PacketOut { Payload = ByteString.CopyFromUtf8("error") });
        var error = await session.Errors.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal(3, error.CanonicalCode);
        Assert.Equal("error", error.PacketOut.PacketOut.Payload.ToStringUtf8());

        await session.SendPacketOutAsync(new PacketOut { Payload = ByteString.CopyFromUtf8("acks?") });
        var acks = await session.PacketIns.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal(digest.ListId.ToString(), acks.Payload.ToStringUtf8());
    }

    [Fact]
    public async Task Stream_ServerRestarts_SessionReconnectsAndRearbitrates()
    {
        await using var session = await _controller!.PrimaryAsync(11);
        var port = _server!.Port;
        await _server.StopAsync();
        await Eventually.WaitUntil(() => !session.IsPrimary);
        _server = await PythonServer.StartAsync("p4runtime_server.py", "--device-id", DeviceId.ToString(), "--port", port.ToString());
        await session.WaitForPrimaryAsync().WaitAsync(Wait);
        Assert.Equal(2, session.Connections);
        Assert.Equal(StatusCode.Unavailable, session.LastFailure!.Code);
    }

    [Fact]
    public async Task Stream_DuplicateElectionId_RefusedAndRetried()
    {
        await using var first = await _controller!.PrimaryAsync(13);
        await using var twin = _controller!.Session(13);
        twin.Start();
        await Eventually.WaitUntil(() => twin.LastFailure is not null);
        Assert.Equal(StatusCode.InvalidArgument, twin.LastFailure!.Code);
        Assert.False(twin.IsPrimary);
    }

    [Fact]
    public async Task Stream_WrongDevice_NotFound()
    {
        await using var session = new StreamSession(_channel!, 99, new ElectionId(0, 1));
        session.Start();
        await Eventually.WaitUntil(() => session.LastFailure is not null);
        Assert.Equal(StatusCode.NotFound, session.LastFailure!.Code);
    }

}
