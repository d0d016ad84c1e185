using Microsoft.Extensions.Logging.Abstractions;
using Offload.Grpc.Client;
using Offload.Grpc.Server;
using Offload.P4Runtime.Schema;
using Offload.Simulator.Device;
using Offload.Simulator.P4Runtime;
using Offload.Simulator.PacketIo;
using Offload.Tests.Common;
using P4.V1;

namespace Offload.Tests.Common.Simulator;

/// <summary>An offload-sim device in this process, running offload.p4 with in-memory ports 1-4, served over real HTTP/2.</summary>
public sealed class SimulatorHarness : IAsyncDisposable
{
    public const ulong DeviceId = 1;
    private GrpcServer? _server;

    private SimulatorHarness() { }

    private readonly SwitchDevice _device = new(255, NullLogger.Instance);
    private readonly Dictionary<uint, InMemoryPort> _ports = new();
    public GrpcChannel Channel { get; private set; } = null!;
    public string Address => $"127.0.0.1:{_server!.Port}";
    public TestController Controller { get; private set; } = null!;
    public P4InfoIndex P4Info => OffloadP4Info.Index;

    public static async Task<SimulatorHarness> StartAsync()
    {
        var harness = new SimulatorHarness();
        foreach (var port in new uint[] { 1, 2, 3, 4 })
        {
            var driver = new InMemoryPort(port);
            harness._ports[port] = driver;
            harness._device.Attach(driver);
        }
        var service = new P4RuntimeService(DeviceId, harness._device, NullLogger.Instance);
        service.Pipeline.Apply(SetForwardingPipelineConfigRequest.Types.Action.VerifyAndCommit, new ForwardingPipelineConfig { P4Info = OffloadP4Info.Index.P4Info });
        harness._server = await GrpcServer.StartAsync(service.Register(new GrpcServiceRegistry()));
        harness.Channel = GrpcChannel.ForAddress($"127.0.0.1:{harness._server.Port}");
        harness.Controller = new TestController(harness.Channel, DeviceId);
        return harness;
    }

    /// <summary>The next packet the switch sent on a port, or null when none comes within the wait.</summary>
    public async Task<byte[]?> NextSentAsync(uint port, TimeSpan? wait = null)
    {
        using var cts = new CancellationTokenSource(wait ?? TimeSpan.FromSeconds(2));
        try
        {
            return await _ports[port].Sent.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        if (_server is not null)
            await _server.DisposeAsync();
        _device.Dispose();
    }

    /// <summary>Runs a packet received on a port through the pipeline; what leaves on each port (the CPU port's go to the controller).</summary>
    public IReadOnlyList<(uint Port, byte[] Packet)> Inject(uint port, byte[] packet) =>
        _device.Inject(port, packet).Select(o => (o.Port, o.Packet)).ToList();

    /// <summary>A packet arriving on an in-memory port (1-4), delivered as live traffic is.</summary>
    public void Receive(uint port, byte[] packet) => _ports[port].Receive(packet);

    public void SetPortUp(uint port, bool up) => _device.SetPortUp(port, up);
}
