using System.CommandLine;
using Microsoft.Extensions.Logging;

namespace Offload.Agent;

internal static class Program
{
    public static int Main(string[] args)
    {
        var config = new Option<string>("--config") { Description = "the agent's YAML configuration (docs/health.md, \"Node agent\")", Required = true };
        var once = new Option<bool>("--once") { Description = "check once, print the report as JSON and exit (restarts nothing unless a service has restart: true)" };
        var root = new RootCommand("offload-agent: reports the state of services (from their PID files) and the host's load to offload controllers")
        {
            config, once,
        };
        root.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(config)!, parse.GetValue(once), cancellationToken));
        return root.Parse(args).Invoke();
    }

    private static async Task<int> RunAsync(string path, bool once, CancellationToken cancellationToken)
    {
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
        using var loggers = LoggerFactory.Create(b => b.AddFilter("Microsoft", LogLevel.Warning)
            .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; }));
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
