using System.CommandLine;
using Microsoft.Extensions.Logging;
using Offload.Logging;

namespace Offload.Agent;

internal static class Program
{
    public static int Main(string[] args)
    {
        var config = new Option<string>("--config") { Description = "the agent's YAML configuration (docs/health.md, \"Node agent\")", Required = true };
        var once = new Option<bool>("--once") { Description = "check once, print the report as JSON and exit (restarts nothing unless a service has restart: true)" };
        var logging = new LoggingOptions();
        var root = new RootCommand("offload-agent: reports the state of services (from their PID files) and the host's load to offload controllers")
        {
            config, once,
        };
        logging.AddTo(root);
        root.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(config)!, parse.GetValue(once), logging, parse, cancellationToken));
        return root.Parse(args).Invoke();
    }

    private static async Task<int> RunAsync(string path, bool once, LoggingOptions logging, ParseResult parse, CancellationToken cancellationToken)
    {
        ILoggerFactory created;
        try
        {
            created = OffloadLogging.Create(logging.Read(parse));
        }
        catch (Exception ex) when (ex is FormatException or IOException)
        {
            Console.Error.WriteLine($"offload-agent: {ex.Message}");
            return 2;
        }
        using var loggers = created;
        AgentConfig config;
        try
        {
            config = AgentConfig.LoadFile(path);
        }
        catch (FormatException ex)
        {
            foreach (var line in ex.Message.Split('\n'))
                Console.Error.WriteLine($"offload-agent: {line}");
            return 2;
        }
        await using var agent = new NodeAgent(config, loggers);
        if (once)
        {
            agent.CheckNow();
            Console.WriteLine(System.Text.Encoding.UTF8.GetString(agent.Report().ToJson()));
            return 0;
        }
        try
        {
            await agent.StartAsync();
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"offload-agent: cannot listen: {ex.Message}");
            return 1;
        }
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
        return 0;
    }
}
