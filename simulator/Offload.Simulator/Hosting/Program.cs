using System.CommandLine;
using Microsoft.Extensions.Logging;
using Offload.Grpc.Server;
using Offload.Simulator.P4Runtime;

namespace Offload.Simulator.Hosting;

internal static class Program
{
    public static int Main(string[] args)
    {
        var deviceId = new Option<ulong>("--device-id") { Description = "P4Runtime device id (BMv2's default is 0)", DefaultValueFactory = _ => 0 };
        var grpcAddr = new Option<string>("--grpc-addr") { Description = "P4Runtime listen address HOST:PORT", DefaultValueFactory = _ => "127.0.0.1:9559" };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "trace, debug, information, warning, error", DefaultValueFactory = _ => LogLevel.Information };
        var root = new RootCommand("offload-sim: a software switch serving P4Runtime (a drop-in for simple_switch_grpc)")
        {
            deviceId, grpcAddr, logLevel,
        };
        root.SetAction((parse, cancellationToken) =>
            RunAsync(parse.GetValue(deviceId), parse.GetValue(grpcAddr)!, parse.GetValue(logLevel), cancellationToken));
        return root.Parse(args).Invoke();
    }

    private static async Task<int> RunAsync(ulong deviceId, string address, LogLevel level, CancellationToken cancellationToken)
    {
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(level).AddFilter("Microsoft", LogLevel.Warning).AddFilter("Microsoft.Extensions.Hosting", LogLevel.None)
            .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; }));
        var logger = loggers.CreateLogger("offload-sim");
        try
        {
            GrpcServer.ParseListenAddress(address);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"offload-sim: --grpc-addr: {ex.Message}");
            return 2;
        }
        var service = new P4RuntimeService(deviceId, loggers.CreateLogger("offload-sim.p4runtime"));
        GrpcServer server;
        try
        {
            server = await GrpcServer.StartAsync(service.Register(new GrpcServiceRegistry()),
                new GrpcServerOptions { ListenAddress = address, MaxReceiveMessageSize = 256 * 1024 * 1024 }, loggers, cancellationToken);
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"offload-sim: {ex.Message}");
            return 1;
        }
        await using (server)
        {
            logger.LogInformation("P4Runtime server for device {DeviceId} listening on {Address} (no pipeline: waiting for SetForwardingPipelineConfig)",
                deviceId, server.Address.Authority);
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
