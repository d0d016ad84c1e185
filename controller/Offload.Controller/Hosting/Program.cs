using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Offload.Logging;
using Offload.Controller.Configuration;
using Offload.Controller.LoadBalancing;
using Offload.Controller.Management;
using Offload.Controller.Switches;

namespace Offload.Controller.Hosting;

internal static class Program
{
    public static int Main(string[] args)
    {
        var config = new Option<string?>("--config") { Description = "the controller's YAML configuration (docs/config.md)" };
        var checkConfig = new Option<string?>("--check-config") { Description = "read and validate this configuration file, print what it holds or every error, and exit (0 valid, 2 not)" };
        var admin = new Option<string>("--admin-addr") { Description = "admin API and /metrics HOST:PORT (loopback unless you say otherwise)", DefaultValueFactory = _ => "127.0.0.1:9580" };
        var idle = new Option<double>("--idle-timeout") { Description = "seconds without traffic before a connection's entries are removed", DefaultValueFactory = _ => 60 };
        var logging = new LoggingOptions();
        var root = new RootCommand("offload-controller: classifies new flows and plumbs a route per connection into offload.p4 switches")
        {
            config, checkConfig, admin, idle,
        };
        logging.AddTo(root);
        root.SetAction((parse, cancellationToken) =>
        {
            if (parse.GetValue(checkConfig) is { } file)
                return Task.FromResult(CheckConfig(file));
            if (parse.GetValue(config) is not { } configPath)
            {
                Console.Error.WriteLine("offload-controller: --config FILE is required (or --check-config FILE to validate one)");
                return Task.FromResult(2);
            }
            LogSettings settings;
            try
            {
                settings = logging.Read(parse);
            }
            catch (FormatException ex)
            {
                Console.Error.WriteLine($"offload-controller: {ex.Message}");
                return Task.FromResult(2);
            }
            return RunAsync(configPath, parse.GetValue(admin)!, parse.GetValue(idle), settings, cancellationToken);
        });
        return root.Parse(args).Invoke();
    }

    private static int CheckConfig(string path)
    {
        try
        {
            var config = ConfigLoader.LoadFile(path, n => new LoadBalancingPolicyRegistry().TryGet(n, out _));
            Console.WriteLine($"{path}: valid: {config.Switches.Count} switch(es), {config.Vips.Count} VIP(s), {config.Backends.Count} backend(s), " +
                $"{config.Acl.Count} ACL rule(s), {config.Applications.Count} application(s), {config.HealthChecks.Count} health check(s); controller {config.Controller.Name}");
            foreach (var vip in config.Vips)
                Console.WriteLine($"  vip {vip.Name}: {vip.Address}:{vip.Port}, {vip.Algorithm}, pool {string.Join(", ", vip.Pool)}");
            return 0;
        }
        catch (ConfigException ex)
        {
            foreach (var error in ex.Errors)
                Console.Error.WriteLine($"offload-controller: {error}");
            Console.Error.WriteLine($"offload-controller: {path}: {ex.Errors.Count} error(s)");
            return 2;
        }
    }

    private static async Task<int> RunAsync(string configPath, string adminAddress, double idleSeconds, LogSettings logSettings, CancellationToken cancellationToken)
    {
        ILoggerFactory created;
        try
        {
            created = OffloadLogging.Create(logSettings);
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"offload-controller: {ex.Message}");
            return 2;
        }
        using var loggers = created;
        var logger = loggers.CreateLogger("offload-controller");
        if (idleSeconds <= 0)
        {
            Console.Error.WriteLine("offload-controller: --idle-timeout must be positive");
            return 2;
        }
        var policies = new LoadBalancingPolicyRegistry();
        OffloadConfig config;
        string yaml;
        try
        {
            // Read once: the text runs here and is what a configuration master serves to its followers.
            yaml = ConfigLoader.ReadFile(configPath);
            config = ConfigLoader.Load(yaml, configPath, n => policies.TryGet(n, out _));
        }
        catch (ConfigException ex)
        {
            foreach (var error in ex.Errors)
                Console.Error.WriteLine($"offload-controller: {error}");
            return 2;
        }
        ControllerHost host;
        try
        {
            host = ControllerHost.Start(config, Path.GetDirectoryName(Path.GetFullPath(configPath))!, policies,
                new SwitchAgentOptions { ConnectionIdleTimeout = TimeSpan.FromSeconds(idleSeconds) }, loggers, yaml, Path.GetFileName(configPath));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Offload.P4Runtime.Schema.P4InfoException)
        {
            Console.Error.WriteLine($"offload-controller: {ex.Message}");
            return 1;
        }
        await using (host)
        {
            Microsoft.AspNetCore.Builder.WebApplication app;
            try
            {
                app = await AdminApi.StartAsync(host, adminAddress, cancellationToken);
            }
            catch (IOException ex)
            {
                Console.Error.WriteLine($"offload-controller: admin API on {adminAddress}: {ex.Message}");
                return 1;
            }
            await using (app)
            {
                logger.LogInformation("controlling {Switches} switch(es), {Vips} VIP(s), {Backends} backend(s); admin API on http://{Admin}",
                    config.Switches.Count, config.Vips.Count, config.Backends.Count, adminAddress);
                using var reload = PosixSignalRegistration.Create(PosixSignal.SIGHUP, signal =>
                {
                    signal.Cancel = true;
                    _ = ReloadAsync(host, configPath, logger);
                });
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    logger.LogInformation("stopping");
                }
            }
        }
        return 0;
    }

    private static async Task ReloadAsync(ControllerHost host, string configPath, ILogger logger)
    {
        try
        {
            var yaml = ConfigLoader.ReadFile(configPath);
            var results = await host.ApplyAsync(ConfigLoader.Load(yaml, configPath, host.IsKnownAlgorithm), yaml: yaml, name: Path.GetFileName(configPath));
            logger.LogInformation("SIGHUP: reloaded {Path}: {Results}", configPath, string.Join("; ", results));
        }
        catch (ConfigException ex)
        {
            logger.LogError("SIGHUP: {Path} not applied, the running configuration stays:\n  {Errors}", configPath, string.Join("\n  ", ex.Errors));
        }
        catch (Exception ex) when (ex is Offload.Grpc.RpcException or Offload.P4Runtime.Session.P4RuntimeWriteException)
        {
            logger.LogError("SIGHUP: {Path}: a switch refused the change: {Error}", configPath, ex.Message);
        }
    }
}
