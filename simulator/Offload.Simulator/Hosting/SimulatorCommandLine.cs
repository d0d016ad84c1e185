using System.CommandLine;
using Offload.Logging;
using Offload.Simulator.P4Runtime;

namespace Offload.Simulator.Hosting;

/// <summary>
/// offload-sim's command line, which is simple_switch_grpc's: main options, an optional positional BMv2 JSON, then
/// after "--" the target options (--grpc-server-addr, --cpu-port, TLS, --drop-port). offload-sim's own spellings
/// (--grpc-addr, --pcap-dir, --replay) stay.
/// </summary>
internal sealed class SimulatorCommandLine
{
    private readonly Argument<string?> _json = new("JSON") { Description = "BMv2 JSON from p4c; offload.p4's is loaded at start (any other program is refused)", Arity = ArgumentArity.ZeroOrOne };
    private readonly Option<ulong> _deviceId = new("--device-id") { Description = "P4Runtime device id (BMv2's default is 0)", DefaultValueFactory = _ => 0 };
    private readonly Option<string?> _grpcAddr = new("--grpc-addr") { Description = "P4Runtime listen address HOST:PORT (default 127.0.0.1:9559; the same as -- --grpc-server-addr)" };
    private readonly Option<string[]> _interfaces = new("-i", "--interface") { Description = "attach a live interface: PORT@IFACE (repeatable)", AllowMultipleArgumentsPerToken = false };
    private readonly Option<uint?> _cpuPort = new("--cpu-port") { Description = "the CPU port; offload.p4's CPU_PORT is 255 (the same as -- --cpu-port)" };
    private readonly Option<string?> _pcapDir = new("--pcap-dir") { Description = "write one pcap per port (port-N.pcap, both directions) into this directory" };
    private readonly Option<string?> _pcap = new("--pcap") { Description = "as simple_switch: write IFACE_in.pcap and IFACE_out.pcap per interface into DIR (default: the current directory)", Arity = ArgumentArity.ZeroOrOne };
    private readonly Option<string[]> _replay = new("--replay") { Description = "feed port PORT from a pcap file once the pipeline is loaded: PORT@FILE (repeatable)" };
    private readonly Option<double> _replayDelay = new("--replay-delay") { Description = "seconds to wait after the pipeline is loaded before replaying", DefaultValueFactory = _ => 0 };
    private readonly Option<bool> _noP4 = new("--no-p4") { Description = "start with no pipeline and wait for SetForwardingPipelineConfig, as BMv2 does" };
    private readonly Option<bool> _logConsole = new("--log-console") { Description = "log to standard output (the default unless --log-file is given)" };
    private readonly Option<bool> _logFlush = new("--log-flush") { Description = "accepted for simple_switch; log lines are always flushed" };
    private readonly Option<string> _arbitration = new("--arbitration") { Description = "bmv2: the highest connected election id is primary (PI's way, default); spec: the highest id ever seen, nobody when it leaves", DefaultValueFactory = _ => "bmv2" };
    private readonly Option<int?> _thriftPort = new("--thrift-port") { Description = "accepted for simple_switch; no Thrift runtime server is served" };
    private readonly Option<string?> _nanolog = new("--nanolog") { Description = "accepted for simple_switch; no nanomsg event log is published" };
    private readonly Option<string?> _notifications = new("--notifications-addr") { Description = "accepted for simple_switch; no nanomsg notifications are published" };
    private readonly LoggingOptions _logging = new(shortLevelAlias: true);

    private readonly Option<string?> _grpcServerAddr = new("--grpc-server-addr") { Description = "P4Runtime listen address HOST:PORT" };
    private readonly Option<uint?> _targetCpuPort = new("--cpu-port") { Description = "the CPU port" };
    private readonly Option<uint> _dropPort = new("--drop-port") { Description = "packets sent to this port are dropped (default 511)", DefaultValueFactory = _ => 511 };
    private readonly Option<bool> _ssl = new("--grpc-server-ssl") { Description = "serve P4Runtime over TLS" };
    private readonly Option<string?> _cert = new("--grpc-server-cert") { Description = "the server certificate (PEM)" };
    private readonly Option<string?> _key = new("--grpc-server-key") { Description = "the server's private key (PEM)" };
    private readonly Option<string?> _caCert = new("--grpc-server-cacert") { Description = "CA certificate(s) (PEM) that client certificates must chain to" };
    private readonly Option<bool> _clientAuth = new("--grpc-server-with-client-auth") { Description = "require a client certificate signed by --grpc-server-cacert" };
    private readonly Option<string?> _dpGrpc = new("--dp-grpc-server-addr") { Description = "accepted for simple_switch; no dataplane gRPC service is served" };

    public RootCommand Main { get; }
    public RootCommand Target { get; }

    public SimulatorCommandLine()
    {
        Main = new RootCommand("offload-sim: a software switch running offload.p4 and serving P4Runtime, a drop-in for simple_switch_grpc:\n" +
            "  offload-sim [options] [JSON] [-- target options]\n" +
            "Target options (after --): --grpc-server-addr HOST:PORT, --cpu-port N, --drop-port N (default 511), --grpc-server-ssl,\n" +
            "  --grpc-server-cert PEM, --grpc-server-key PEM, --grpc-server-cacert PEM, --grpc-server-with-client-auth, --dp-grpc-server-addr")
        {
            _json, _deviceId, _grpcAddr, _interfaces, _cpuPort, _pcapDir, _pcap, _replay, _replayDelay, _noP4, _logConsole, _logFlush,
            _arbitration, _thriftPort, _nanolog, _notifications,
        };
        _logging.AddTo(Main);
        Target = new RootCommand("simple_switch_grpc target options")
        {
            _grpcServerAddr, _targetCpuPort, _dropPort, _ssl, _cert, _key, _caCert, _clientAuth, _dpGrpc,
        };
    }

    /// <summary>Splits simple_switch_grpc's argv at the first "--" into main and target options.</summary>
    public static (string[] Main, string[] Target) Split(string[] args)
    {
        var at = Array.IndexOf(args, "--");
        return at < 0 ? (args, []) : (args[..at], args[(at + 1)..]);
    }

    /// <exception cref="FormatException">a value that cannot be used, with the option named</exception>
    public SimulatorOptions Read(ParseResult main, ParseResult target)
    {
        var notices = new List<string>();
        if (main.GetValue(_thriftPort) is { } thrift)
            notices.Add($"--thrift-port {thrift}: no Thrift runtime server here (simple_switch_CLI cannot connect); program the switch over P4Runtime");
        if (main.GetValue(_nanolog) is { } nanolog)
            notices.Add($"--nanolog {nanolog}: no nanomsg event log is published; use --log-level debug or --pcap");
        if (main.GetValue(_notifications) is { } notifications)
            notices.Add($"--notifications-addr {notifications}: no nanomsg notifications are published; digests and idle timeouts reach the P4Runtime stream");
        if (target.GetValue(_dpGrpc) is { } dp)
            notices.Add($"--dp-grpc-server-addr {dp}: no dataplane gRPC service is served");

        var address = Same("--grpc-addr", main.GetValue(_grpcAddr), "-- --grpc-server-addr", target.GetValue(_grpcServerAddr)) ?? "127.0.0.1:9559";
        var cpuPort = Same("--cpu-port", main.GetValue(_cpuPort), "-- --cpu-port", target.GetValue(_targetCpuPort)) ?? 255;
        var json = main.GetValue(_json);
        if (json is not null && json.StartsWith('-'))
            throw new FormatException($"unknown option {json}");
        var noP4 = main.GetValue(_noP4);
        if (json is not null && noP4)
            throw new FormatException($"a JSON ({json}) and --no-p4 exclude each other");
        var logFile = main.GetValue(_logging.File);
        var logging = _logging.Read(main, console: main.GetValue(_logConsole) || logFile is null);
        var arbitration = main.GetValue(_arbitration)!.ToLowerInvariant() switch
        {
            "bmv2" => ArbitrationMode.Bmv2,
            "spec" => ArbitrationMode.Spec,
            var other => throw new FormatException($"--arbitration {other}: expected bmv2 or spec"),
        };
        var tls = ReadTls(target);
        var pcap = main.GetResult(_pcap) is null ? null : main.GetValue(_pcap) ?? ".";
        return new SimulatorOptions(main.GetValue(_deviceId), address, main.GetValue(_interfaces) ?? [], cpuPort, target.GetValue(_dropPort),
            main.GetValue(_pcapDir), pcap, main.GetValue(_replay) ?? [], main.GetValue(_replayDelay), noP4, json, logging, tls, arbitration, notices);
    }

    private TlsFiles? ReadTls(ParseResult target)
    {
        var cert = target.GetValue(_cert);
        var key = target.GetValue(_key);
        var ca = target.GetValue(_caCert);
        var clientAuth = target.GetValue(_clientAuth);
        if (!target.GetValue(_ssl))
        {
            if (cert is not null || key is not null || ca is not null || clientAuth)
                throw new FormatException("--grpc-server-cert, --grpc-server-key, --grpc-server-cacert and --grpc-server-with-client-auth need --grpc-server-ssl");
            return null;
        }
        if (cert is null || key is null)
            throw new FormatException("--grpc-server-ssl needs --grpc-server-cert and --grpc-server-key");
        if (clientAuth && ca is null)
            throw new FormatException("--grpc-server-with-client-auth needs --grpc-server-cacert to check client certificates against");
        return new TlsFiles(cert, key, ca, clientAuth);
    }

    private static T? Same<T>(string mainName, T? mainValue, string targetName, T? targetValue) where T : struct =>
        mainValue is { } a && targetValue is { } b && !a.Equals(b)
            ? throw new FormatException($"{mainName} {a} and {targetName} {b} disagree")
            : mainValue ?? targetValue;

    private static string? Same(string mainName, string? mainValue, string targetName, string? targetValue) =>
        mainValue is not null && targetValue is not null && mainValue != targetValue
            ? throw new FormatException($"{mainName} {mainValue} and {targetName} {targetValue} disagree")
            : mainValue ?? targetValue;
}

/// <param name="CaCertificates">PEM file of the CAs client certificates must chain to; with <paramref name="RequireClientCertificate"/> false, a client may present none</param>
internal sealed record TlsFiles(string Certificate, string Key, string? CaCertificates, bool RequireClientCertificate);

internal sealed record SimulatorOptions(ulong DeviceId, string GrpcAddress, string[] Interfaces, uint CpuPort, uint DropPort,
    string? PcapDirectory, string? Bmv2PcapDirectory, string[] Replays, double ReplayDelay, bool NoP4, string? PipelineJson,
    LogSettings Logging, TlsFiles? Tls, ArbitrationMode Arbitration, IReadOnlyList<string> Notices);
