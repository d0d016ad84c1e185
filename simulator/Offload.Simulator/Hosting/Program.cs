using System.Security.Cryptography.X509Certificates;
using Offload.Logging;
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
        var commandLine = new SimulatorCommandLine();
        var (mainArgs, targetArgs) = SimulatorCommandLine.Split(args);
        var main = commandLine.Main.Parse(mainArgs);
        if (IsHelpOrVersion(main))
            return main.Invoke();
        var target = commandLine.Target.Parse(targetArgs);
        if (main.Errors.Count > 0 || target.Errors.Count > 0)
            return Refuse(main.Errors.Select(e => e.Message).Concat(target.Errors.Select(e => $"after --: {e.Message}"))
                .Append("offload-sim --help lists the options"));
        SimulatorOptions options;
        try
        {
            options = commandLine.Read(main, target);
        }
        catch (FormatException ex)
        {
            return Refuse([ex.Message]);
        }
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, s => { s.Cancel = true; cancel.Cancel(); });
        return RunAsync(options, cancel.Token).GetAwaiter().GetResult();
    }

    private static bool IsHelpOrVersion(System.CommandLine.ParseResult parse) =>
        parse.Tokens.Any(t => t.Value is "-h" or "--help" or "-?" or "--version");

    private static int Refuse(IEnumerable<string> errors)
    {
        foreach (var error in errors)
            Console.Error.WriteLine($"offload-sim: {error}");
        return 2;
    }

    private static async Task<int> RunAsync(SimulatorOptions options, CancellationToken cancellationToken)
    {
        ILoggerFactory loggers;
        try
        {
            loggers = OffloadLogging.Create(options.Logging);
        }
        catch (IOException ex)
        {
            return Refuse([ex.Message]);
        }
        using var ownedLoggers = loggers;
        var logger = loggers.CreateLogger("offload-sim");
        foreach (var notice in options.Notices)
            logger.LogWarning("{Notice}", notice);
        List<PortSpec> ports;
        List<PortSpec> replays;
        X509Certificate2? certificate = null;
        X509Certificate2Collection? authorities = null;
        try
        {
            GrpcServer.ParseListenAddress(options.GrpcAddress);
            if (options.CpuPort is 0 or >= 511)
                throw new FormatException("--cpu-port must be 1..510");
            if (options.DropPort == options.CpuPort)
                throw new FormatException($"--drop-port {options.DropPort} is the CPU port");
            ports = options.Interfaces.Select(i => PortSpec.Parse(i, options.CpuPort)).ToList();
            if (ports.FirstOrDefault(p => p.Port == options.DropPort) is { } dropped)
                throw new FormatException($"-i {dropped.Port}@{dropped.Interface}: port {dropped.Port} is the drop port");
            replays = options.Replays.Select(r => PortSpec.Parse(r, options.CpuPort, "--replay", "PORT@FILE")).ToList();
            ports.AddRange(replays);
            if (options.ReplayDelay < 0)
                throw new FormatException("--replay-delay cannot be negative");
            if (ports.GroupBy(p => p.Port).FirstOrDefault(g => g.Count() > 1) is { } twice)
                throw new FormatException($"-i: port {twice.Key} is given twice");
            if (options.PcapDirectory is { } dir && !Directory.Exists(dir))
                throw new FormatException($"--pcap-dir: directory '{dir}' does not exist");
            if (options.Bmv2PcapDirectory is { } pcapDir && !Directory.Exists(pcapDir))
                throw new FormatException($"--pcap: directory '{pcapDir}' does not exist");
            if (options.PipelineJson is { } json && Bmv2Json.WhyNotOffload(json, OffloadP4Info.Index) is { } why)
                throw new FormatException(why);
            if (options.Tls is { } tls)
                (certificate, authorities) = LoadTls(tls);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            return Refuse([ex.Message]);
        }

        using var device = new SwitchDevice(options.CpuPort, loggers.CreateLogger("offload-sim.device"), options.DropPort);
        try
        {
            foreach (var spec in ports)
            {
                IPortDriver driver = replays.Contains(spec)
                    ? PcapReplayPort.Open(spec.Port, spec.Interface, () => device.State is not null, TimeSpan.FromSeconds(options.ReplayDelay))
                    : AfPacketPort.Open(spec.Port, spec.Interface);
                if (options.PcapDirectory is { } dir)
                    driver = PcapTap.Combined(driver, dir);
                if (options.Bmv2PcapDirectory is { } pcapDir)
                    driver = PcapTap.PerDirection(driver, pcapDir, replays.Contains(spec) ? $"port{spec.Port}" : spec.Interface);
                device.Attach(driver);
                logger.LogInformation("port {Port}: {Description}", spec.Port, driver.Description);
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"offload-sim: {ex.Message}");
            return 1;
        }

        var service = new P4RuntimeService(options.DeviceId, device, loggers.CreateLogger("offload-sim.p4runtime"), options.Arbitration);
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
                new GrpcServerOptions
                {
                    ListenAddress = options.GrpcAddress, MaxReceiveMessageSize = 256 * 1024 * 1024, Certificate = certificate,
                    ClientCertificateAuthorities = authorities, RequireClientCertificate = options.Tls?.RequireClientCertificate ?? false,
                }, loggers, cancellationToken);
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"offload-sim: {ex.Message}");
            return 1;
        }
        await using (server)
        {
            logger.LogInformation("P4Runtime server for device {DeviceId} listening on {Address} ({Transport}); cpu port {CpuPort}; arbitration {Arbitration}; {Pipeline}",
                options.DeviceId, server.Address.Authority,
                options.Tls is null ? "h2c" : options.Tls.RequireClientCertificate ? "TLS, client certificates required" : "TLS",
                options.CpuPort, options.Arbitration.ToString().ToLowerInvariant(),
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

    private static (X509Certificate2 Certificate, X509Certificate2Collection? Authorities) LoadTls(TlsFiles tls)
    {
        try
        {
            var certificate = X509Certificate2.CreateFromPemFile(tls.Certificate, tls.Key);
            X509Certificate2Collection? authorities = null;
            if (tls.CaCertificates is { } ca)
            {
                authorities = new X509Certificate2Collection();
                authorities.ImportFromPemFile(ca);
                if (authorities.Count == 0)
                    throw new FormatException($"--grpc-server-cacert {ca}: no certificate in the file");
            }
            return (certificate, authorities);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            throw new FormatException($"TLS: {ex.Message} (--grpc-server-cert {tls.Certificate}, --grpc-server-key {tls.Key})");
        }
    }
}
