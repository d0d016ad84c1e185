using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Offload.Grpc;
using Offload.Grpc.Client;
using Offload.Grpc.Server;
using Offload.P4Runtime.Schema;
using Offload.P4Runtime.Session;
using Offload.Simulator.Device;
using Offload.Simulator.P4Runtime;
using P4.V1;
using Offload.Tests.Common;
using Xunit;
using PipelineAction = P4.V1.SetForwardingPipelineConfigRequest.Types.Action;

namespace Offload.Simulator.Tests.P4Runtime;

/// <summary>offload-sim's P4Runtime server driven by our client over real HTTP/2.</summary>
public sealed class P4RuntimeServiceTests : IAsyncLifetime
{
    private const ulong Device = 3;
    private static readonly TimeSpan Wait = TestController.Wait;
    private GrpcServer? _server;
    private GrpcChannel? _channel;
    private TestController? _controller;
    private readonly P4InfoIndex _p4Info = OffloadP4Info.Index;
    private SwitchDevice? _device;

    public Task InitializeAsync() => StartAsync(ArbitrationMode.Bmv2);

    private async Task StartAsync(ArbitrationMode arbitration)
    {
        _device = new SwitchDevice(255, NullLogger.Instance);
        var service = new P4RuntimeService(Device, _device, NullLogger.Instance, arbitration);
        _server = await GrpcServer.StartAsync(service.Register(new GrpcServiceRegistry()));
        _channel = GrpcChannel.ForAddress($"127.0.0.1:{_server.Port}");
        _controller = new TestController(_channel, Device);
    }

    public async Task DisposeAsync()
    {
        _channel!.Dispose();
        await _server!.DisposeAsync();
        _device!.Dispose();
    }

    private async Task RestartAsync(ArbitrationMode arbitration)
    {
        await DisposeAsync();
        await StartAsync(arbitration);
    }

    [Fact]
    public async Task Capabilities_ReportsSpecVersion() =>
        Assert.Equal("1.5.0", await _controller!.Client(1).GetApiVersionAsync());

    [Fact]
    public async Task Arbitration_Spec_PrimaryLeaves_NoPrimaryUntilHigherIdArrives()
    {
        await RestartAsync(ArbitrationMode.Spec);
        await using var low = await _controller!.PrimaryAsync(1);
        var high = _controller!.Session(2);
        high.Start();
        await high.WaitForPrimaryAsync().WaitAsync(Wait);
        await Eventually.WaitUntil(() => low.State.Code == StatusCode.AlreadyExists);
        Assert.Equal(new ElectionId(0, 2), low.State.PrimaryElectionId);

        await high.DisposeAsync();
        await Eventually.WaitUntil(() => low.State.Code == StatusCode.NotFound);
        Assert.False(low.IsPrimary);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() =>
            _controller!.Client(1).SetPipelineAsync(_p4Info.P4Info, null))).StatusCode);

        await low.ChangeElectionIdAsync(new ElectionId(0, 3));
        await low.WaitForPrimaryAsync().WaitAsync(Wait);
    }

    // BMv2's PI server promotes the highest election id still connected, and names the current primary's id.
    [Fact]
    public async Task Arbitration_Bmv2_PrimaryLeaves_RemainingLowerIdBecomesPrimary()
    {
        await using var low = await _controller!.PrimaryAsync(1);
        await using var middle = _controller!.Session(2);
        middle.Start();
        await middle.WaitForPrimaryAsync().WaitAsync(Wait);
        var high = _controller!.Session(3);
        high.Start();
        await high.WaitForPrimaryAsync().WaitAsync(Wait);
        await Eventually.WaitUntil(() => middle.State.Code == StatusCode.AlreadyExists && low.State.Code == StatusCode.AlreadyExists);
        Assert.Equal(new ElectionId(0, 3), low.State.PrimaryElectionId);

        await high.DisposeAsync();
        await middle.WaitForPrimaryAsync().WaitAsync(Wait);
        await Eventually.WaitUntil(() => low.State.PrimaryElectionId == new ElectionId(0, 2));
        Assert.False(low.IsPrimary);
        await _controller!.Client(2).SetPipelineAsync(_p4Info.P4Info, null);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() =>
            _controller!.Client(1).SetPipelineAsync(_p4Info.P4Info, null))).StatusCode);
    }

    [Fact]
    public async Task Arbitration_DuplicateElectionId_InvalidArgument()
    {
        await using var first = await _controller!.PrimaryAsync(5);
        await using var twin = _controller!.Session(5);
        twin.Start();
        await Eventually.WaitUntil(() => twin.LastFailure is not null);
        Assert.Equal(StatusCode.InvalidArgument, twin.LastFailure!.Code);
    }

    [Fact]
    public async Task Arbitration_UnknownDevice_NotFound()
    {
        await using var session = _controller!.Session(1, device: 77);
        session.Start();
        await Eventually.WaitUntil(() => session.LastFailure is not null);
        Assert.Equal(StatusCode.NotFound, session.LastFailure!.Code);
    }

    [Fact]
    public async Task Write_ChecksInSpecOrder()
    {
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => _controller!.Client(1, device: 9).WriteAsync([]))).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => _controller!.Client(1).WriteAsync([]))).StatusCode);
        await using var session = await _controller!.PrimaryAsync(1);
        Assert.Equal(StatusCode.FailedPrecondition, (await Assert.ThrowsAsync<RpcException>(() => _controller!.Client(1).WriteAsync([]))).StatusCode);
        await _controller!.Client(1).SetPipelineAsync(_p4Info.P4Info, null);
        Assert.True((await _controller!.Client(1).WriteAsync([])).AllOk);
        Assert.Equal(StatusCode.Unimplemented, (await Assert.ThrowsAsync<RpcException>(() =>
            _controller!.Client(1).WriteAsync([], WriteRequest.Types.Atomicity.DataplaneAtomic))).StatusCode);
    }

    [Fact]
    public async Task Pipeline_SaveThenCommit_GetReturnsWhatWasAsked()
    {
        await using var session = await _controller!.PrimaryAsync(1);
        var client = _controller!.Client(1);
        Assert.Null(await client.GetPipelineAsync());
        var commit = new SetForwardingPipelineConfigRequest
        {
            DeviceId = Device, ElectionId = new Uint128 { Low = 1 }, Action = PipelineAction.Commit,
        };
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() =>
            _channel!.UnaryAsync(P4RuntimeMethods.SetForwardingPipelineConfig, commit))).StatusCode);
        await client.SetPipelineAsync(_p4Info.P4Info, ByteString.CopyFromUtf8("{}"), cookie: 7, PipelineAction.VerifyAndSave);
        Assert.Null(await client.GetPipelineAsync());
        await _channel!.UnaryAsync(P4RuntimeMethods.SetForwardingPipelineConfig, commit);
        var all = await client.GetPipelineAsync();
        Assert.Equal(_p4Info.P4Info, all!.P4Info);
        Assert.Equal("{}", all.P4DeviceConfig.ToStringUtf8());
        var cookieOnly = await client.GetPipelineAsync(GetForwardingPipelineConfigRequest.Types.ResponseType.CookieOnly);
        Assert.Equal(7ul, cookieOnly!.Cookie.Cookie_);
        Assert.Null(cookieOnly.P4Info);
        Assert.True(cookieOnly.P4DeviceConfig.IsEmpty);
    }

    [Fact]
    public async Task Pipeline_BrokenP4Info_InvalidArgument()
    {
        await using var session = await _controller!.PrimaryAsync(1);
        var broken = _p4Info.P4Info.Clone();
        broken.Tables[0].ActionRefs.Add(new P4.Config.V1.ActionRef { Id = 0x01abcdef });
        var error = await Assert.ThrowsAsync<RpcException>(() => _controller!.Client(1).SetPipelineAsync(broken, null));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("not offload.p4's", error.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() =>
            _controller!.Client(1).SetPipelineAsync(_p4Info.P4Info, null, action: PipelineAction.Unspecified))).StatusCode);
    }

    [Fact]
    public async Task Pipeline_AnotherProgramsP4Info_RefusedWithReason()
    {
        await using var session = await _controller!.PrimaryAsync(1);
        var other = P4InfoIndex.Load(Path.Combine(AppContext.BaseDirectory, "TestData", "basic.p4info.txtpb"));
        var error = await Assert.ThrowsAsync<RpcException>(() => _controller!.Client(1).SetPipelineAsync(other.P4Info, null));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("missing table OffloadIngress.acl.acl", error.Status.Detail);
    }
}
