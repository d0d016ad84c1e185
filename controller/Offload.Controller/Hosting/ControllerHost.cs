using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Offload.Controller.Classification;
using Offload.Controller.Configuration;
using Offload.Controller.LoadBalancing;
using Offload.Controller.Switches;
using Offload.P4Runtime.Schema;

namespace Offload.Controller.Hosting;

/// <summary>The running controller: one agent per configured switch, sharing one classifier (backend load is global).</summary>
public sealed class ControllerHost : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _runs = new();

    private ControllerHost(OffloadConfig config, Classifier classifier, IReadOnlyList<SwitchAgent> agents)
    {
        Config = config;
        Classifier = classifier;
        Agents = agents;
    }

    public OffloadConfig Config { get; }
    public Classifier Classifier { get; }
    public IReadOnlyList<SwitchAgent> Agents { get; }

    /// <summary>Builds the agents (reading each switch's P4Info and device config) and starts them.</summary>
    public static ControllerHost Start(OffloadConfig config, string baseDirectory, LoadBalancingPolicyRegistry policies,
        SwitchAgentOptions options, ILoggerFactory loggers)
    {
        var classifier = new Classifier(config, policies);
        var agents = new List<SwitchAgent>();
        foreach (var sw in config.Switches)
        {
            var p4Info = P4InfoIndex.Load(Path.Combine(baseDirectory, sw.P4InfoPath));
            var deviceConfig = sw.DeviceConfigPath is { } path ? ByteString.CopyFrom(File.ReadAllBytes(Path.Combine(baseDirectory, path))) : null;
            agents.Add(new SwitchAgent(config, sw, p4Info, deviceConfig, classifier, options, loggers));
        }
        var host = new ControllerHost(config, classifier, agents);
        foreach (var agent in agents)
            host._runs.Add(agent.RunAsync(host._stop.Token));
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await Task.WhenAll(_runs.Select(r => r.ContinueWith(_ => { }, TaskScheduler.Default)));
        foreach (var agent in Agents)
            await agent.DisposeAsync();
        _stop.Dispose();
    }
}
