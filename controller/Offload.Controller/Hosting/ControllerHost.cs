using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Offload.Controller.Classification;
using Offload.Controller.Configuration;
using Offload.Controller.LoadBalancing;
using Offload.Controller.Pipeline;
using Offload.Controller.Switches;
using Offload.P4Runtime.Schema;

namespace Offload.Controller.Hosting;

/// <summary>The running controller: one agent per configured switch, sharing one classifier (backend load is global).</summary>
public sealed class ControllerHost : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _runs = new();

    private readonly SemaphoreSlim _applying = new(1, 1);
    private readonly Dictionary<string, int> _weights = new(StringComparer.Ordinal);
    private OffloadConfig _configured;

    private ControllerHost(OffloadConfig config, Classifier classifier, IReadOnlyList<SwitchAgent> agents)
    {
        _configured = config;
        Config = config;
        Classifier = classifier;
        Agents = agents;
    }

    /// <summary>The configuration in force: the file's, with the operator's weight changes (drain = weight 0) on top.</summary>
    public OffloadConfig Config { get; private set; }
    public Classifier Classifier { get; }
    public IReadOnlyList<SwitchAgent> Agents { get; }

    /// <summary>Builds the agents (reading each switch's P4Info and device config) and starts them.</summary>
    public Func<string, bool> IsKnownAlgorithm { get; private init; } = _ => false;

    public static ControllerHost Start(OffloadConfig config, string baseDirectory, LoadBalancingPolicyRegistry policies,
        SwitchAgentOptions options, ILoggerFactory loggers)
    {
        var classifier = new Classifier(config, policies);
        var agents = new List<SwitchAgent>();
        foreach (var sw in config.Switches)
        {
            // Paths in the configuration are relative to its own directory.
            var p4Info = sw.P4InfoPath is { } p4InfoPath ? P4InfoIndex.Load(Path.Combine(baseDirectory, p4InfoPath)) : OffloadP4.BuiltInP4Info;
            var deviceConfig = sw.DeviceConfigPath is { } path ? ByteString.CopyFrom(File.ReadAllBytes(Path.Combine(baseDirectory, path))) : null;
            agents.Add(new SwitchAgent(config, sw, p4Info, deviceConfig, classifier, options, loggers));
        }
        var host = new ControllerHost(config, classifier, agents) { IsKnownAlgorithm = n => policies.TryGet(n, out _) };
        foreach (var agent in agents)
            host._runs.Add(agent.RunAsync(host._stop.Token));
        return host;
    }

    /// <summary>Takes a new configuration file's content: the switches must stay the same; everything else converges.</summary>
    public Task<IReadOnlyList<string>> ApplyAsync(OffloadConfig config, CancellationToken cancellationToken = default)
    {
        var before = _configured.Switches.Select(s => (s.Name, s.Address, s.DeviceId)).ToList();
        if (!before.SequenceEqual(config.Switches.Select(s => (s.Name, s.Address, s.DeviceId))))
            throw new ConfigException(["the switches (name, address, device id) cannot change while the controller runs; restart it"]);
        return ConvergeAsync(() =>
        {
            _configured = config;
            foreach (var gone in _weights.Keys.Where(n => config.Backends.All(b => b.Name != n)).ToList())
                _weights.Remove(gone);
        }, cancellationToken);
    }

    /// <summary>Sets a backend's weight until the next apply of a file that changes it; 0 drains it (no new connections).</summary>
    public Task<IReadOnlyList<string>> SetWeightAsync(string backend, int? weight, CancellationToken cancellationToken = default)
    {
        if (_configured.Backends.All(b => b.Name != backend))
            throw new KeyNotFoundException($"no backend named '{backend}'");
        if (weight is < 0)
            throw new ArgumentOutOfRangeException(nameof(weight), "a weight cannot be negative");
        return ConvergeAsync(() =>
        {
            if (weight is { } w)
                _weights[backend] = w;
            else
                _weights.Remove(backend);
        }, cancellationToken);
    }

    private async Task<IReadOnlyList<string>> ConvergeAsync(Action change, CancellationToken cancellationToken)
    {
        await _applying.WaitAsync(cancellationToken);
        try
        {
            change();
            Config = _configured with
            {
                Backends = _configured.Backends.Select(b => _weights.TryGetValue(b.Name, out var w) ? b with { Weight = w } : b).ToList(),
            };
            Classifier.Update(Config);
            var results = new List<string>();
            foreach (var agent in Agents)
                results.Add($"{agent.Name}: {(await agent.ApplyAsync(Config, cancellationToken))?.ToString() ?? "not primary; applied when it is"}");
            return results;
        }
        finally
        {
            _applying.Release();
        }
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
