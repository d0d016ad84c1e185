using System.CommandLine;
using Microsoft.Extensions.Logging;
using Offload.Grpc.Server;
using Offload.Simulator.Device;
using Offload.Simulator.P4Runtime;
using Offload.Simulator.PacketIo;
using P4.V1;

namespace Offload.Simulator.Hosting;

internal static class Program
{
    public static int Main(string[] args)
    {
        var deviceId = new Option<ulong>("--device-id") { Description = "P4Runtime device id (BMv2's default is 0)", DefaultValueFactory = _ => 0 };
        var grpcAddr = new Option<string>("--grpc-addr") { Description = "P4Runtime listen address HOST:PORT", DefaultValueFactory = _ => "127.0.0.1:9559" };
        var interfaces = new Option<string[]>("-i", "--interface") { Description = "attach a live interface: PORT@IFACE (repeatable)", AllowMultipleArgumentsPerToken = false };
        var cpuPort = new Option<uint>("--cpu-port") { Description = "the CPU port; offload.p4's CPU_PORT is 255", DefaultValueFactory = _ => 255 };
        var pcapDir = new Option<string?>("--pcap-dir") { Description = "write one pcap per port into this directory" };
        var replay = new Option<string[]>("--replay") { Description = "feed port PORT from a pcap file once the pipeline is loaded: PORT@FILE (repeatable)" };
        var replayDelay = new Option<double>("--replay-delay") { Description = "seconds to wait after the pipeline is loaded before replaying", DefaultValueFactory = _ => 0 };
        var noP4 = new Option<bool>("--no-p4") { Description = "start with no pipeline and wait for SetForwardingPipelineConfig, as BMv2 does" };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "trace, debug, information, warning, error", DefaultValueFactory = _ => LogLevel.Information };
        var root = new RootCommand("offload-sim: a software switch running offload.p4 and serving P4Runtime (a drop-in for simple_switch_grpc)")
        {
            deviceId, grpcAddr, interfaces, cpuPort, pcapDir, replay, replayDelay, noP4, logLevel,
        };
        root.SetAction((parse, cancellationToken) => RunAsync(new SimulatorOptions(
            parse.GetValue(deviceId), parse.GetValue(grpcAddr)!, parse.GetValue(interfaces) ?? [], parse.GetValue(cpuPort),
            parse.GetValue(pcapDir), parse.GetValue(replay) ?? [], parse.GetValue(replayDelay), parse.GetValue(noP4), parse.GetValue(logLevel)), cancellationToken));
        return root.Parse(args).Invoke();
    }

    private static async Task<int> RunAsync(SimulatorOptions options, CancellationToken cancellationToken)
    {
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(options.LogLevel).AddFilter("Microsoft", LogLevel.Warning)
            .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; }));
        var logger = loggers.CreateLogger("offload-sim");
        List<PortSpec> ports;
        List<PortSpec> replays;
        try
        {
            GrpcServer.ParseListenAddress(options.GrpcAddress);
            if (options.CpuPort is 0 or >= 511)
                throw new FormatException("--cpu-port must be 1..510");
            ports = options.Interfaces.Select(i => PortSpec.Parse(i, options.CpuPort)).ToList();
            replays = options.Replays.Select(r => PortSpec.Parse(r, options.CpuPort, "--replay", "PORT@FILE")).ToList();
            ports.AddRange(replays);
            if (options.ReplayDelay < 0)
                throw new FormatException("--replay-delay cannot be negative");
            if (ports.GroupBy(p => p.Port).FirstOrDefault(g => g.Count() > 1) is { } twice)
                throw new FormatException($"-i: port {twice.Key} is given twice");
            if (options.PcapDirectory is { } dir && !Directory.Exists(dir))
                throw new FormatException($"--pcap-dir: directory '{dir}' does not exist");
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            Console.Error.WriteLine($"offload-sim: {ex.Message}");
            return 2;
        }

        using var device = new SwitchDevice(options.CpuPort, loggers.CreateLogger("offload-sim.device"));
        try
        {
            foreach (var spec in ports)
            {
                IPortDriver driver = replays.Contains(spec)
                    ? PcapReplayPort.Open(spec.Port, spec.Interface, () => device.State is not null, TimeSpan.FromSeconds(options.ReplayDelay))
                    : AfPacketPort.Open(spec.Port, spec.Interface);
                if (options.PcapDirectory is { } dir)
                    driver = new PcapTap(driver, dir);
                device.Attach(driver);
                logger.LogInformation("port {Port}: {Description}", spec.Port, driver.Description);
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"offload-sim: {ex.Message}");
            return 1;
        }

        var service = new P4RuntimeService(options.DeviceId, device, loggers.CreateLogger("offload-sim.p4runtime"));
        if (!options.NoP4)
        {
            var status = service.Pipeline.Apply(SetForwardingPipelineConfigRequest.Types.Action.VerifyAndCommit,
                new ForwardingPipelineConfig { P4Info = OffloadP4Info.Index.P4Info });
            if (status.Code != Offload.Grpc.StatusCode.OK)
            {
                Console.Error.WriteLine($"offload-sim: the built-in offload.p4 pipeline does not load: {status}");
                return 1;
            }
        }
        GrpcServer server;
        try
        {
            server = await GrpcServer.StartAsync(service.Register(new GrpcServiceRegistry()),
                new GrpcServerOptions { ListenAddress = options.GrpcAddress, MaxReceiveMessageSize = 256 * 1024 * 1024 }, loggers, cancellationToken);
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"offload-sim: {ex.Message}");
            return 1;
        }
        await using (server)
        {
            logger.LogInformation("P4Runtime server for device {DeviceId} listening on {Address}; cpu port {CpuPort}; {Pipeline}",
                options.DeviceId, server.Address.Authority, options.CpuPort,
                options.NoP4 ? "no pipeline: waiting for SetForwardingPipelineConfig" : "running offload.p4");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                logger.LogInformation("stopping");
            }
        }
        return 0;
    }
}

internal sealed record SimulatorOptions(ulong DeviceId, string GrpcAddress, string[] Interfaces, uint CpuPort,
    string? PcapDirectory, string[] Replays, double ReplayDelay, bool NoP4, LogLevel LogLevel);
