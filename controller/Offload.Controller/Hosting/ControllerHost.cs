using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Offload.Controller.Classification;
using Offload.Controller.Cluster;
using Offload.Controller.Configuration;
using Offload.Controller.Health;
using Offload.Controller.Health.Agents;
using Offload.Controller.Health.Sharing;
using Offload.Controller.LoadBalancing;
using Offload.Controller.Pipeline;
using Offload.Controller.Sessions;
using Offload.Controller.Switches;
using Offload.P4Runtime.Schema;

namespace Offload.Controller.Hosting;

/// <summary>
/// The running controller: one agent per configured switch, sharing one classifier (backend load is global), and
/// the health monitor whose verdicts become backend weights.
/// </summary>
public sealed partial class ControllerHost : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _runs = new();

    private readonly SemaphoreSlim _applying = new(1, 1);
    private readonly Dictionary<string, int> _weights = new(StringComparer.Ordinal);
    private OffloadConfig _configured;
    private readonly SemaphoreSlim _healthChanged = new(0, 1);
    private readonly System.Collections.Concurrent.ConcurrentQueue<int> _connectionsToRemove = new();
    private readonly ILogger _logger;

    private ControllerHost(OffloadConfig config, Classifier classifier, IReadOnlyList<SwitchAgent> agents, HealthMonitor health, ILogger logger)
    {
        _configured = config;
        Classifier = classifier;
        Agents = agents;
        Health = health;
        NodeAgents = new AgentPoller(health);
        _logger = logger;
        Config = Compose();
    }

    /// <summary>
    /// The configuration in force: the file's, with the operator's weight changes (drain = weight 0) on top, and
    /// health and load on top of that (held down = weight 0).
    /// </summary>
    public OffloadConfig Config { get; private set; }

    /// <summary>The configuration as the file (or the last apply) gave it.</summary>
    public OffloadConfig Configured => _configured;

    /// <summary>The operator's weight for a backend (set-weight, drain), if any.</summary>
    public int? OperatorWeight(string backend)
    {
        lock (_weights)
            return _weights.TryGetValue(backend, out var w) ? w : null;
    }

    public Classifier Classifier { get; }
    public IReadOnlyList<SwitchAgent> Agents { get; }

    /// <summary>The active/standby groups of switches, each with its active switch and its takeovers.</summary>
    public IReadOnlyList<StandbyGroup> Groups { get; private init; } = [];
    public HealthMonitor Health { get; }

    /// <summary>Peer controllers' health/load tables, as they last sent them.</summary>
    public HealthCache PeerHealth { get; } = new(TimeProvider.System);

    /// <summary>This controller's own health/load table and its checksum.</summary>
    public HealthSnapshot OwnHealth() => HealthCache.Snapshot(_configured.Controller.Name, Health.Snapshot());
    public AgentPoller NodeAgents { get; }

    /// <summary>Builds the agents (reading each switch's P4Info and device config) and starts them.</summary>
    public Func<string, bool> IsKnownAlgorithm { get; private init; } = _ => false;

    /// <param name="yaml">the configuration file's text, which a configuration master serves to its followers</param>
    public static ControllerHost Start(OffloadConfig config, string baseDirectory, LoadBalancingPolicyRegistry policies,
        SwitchAgentOptions options, ILoggerFactory loggers, string yaml = "", string name = "configuration")
    {
        if (config.Controller.Etcd is { } etcd)
            options = options with { Etcd = new EtcdClient(Offload.Grpc.Client.GrpcChannel.ForAddress(etcd)), SessionTtl = config.Controller.SessionTtl ?? ControllerConfig.DefaultSessionTtl };
        var health = new HealthMonitor(TimeProvider.System, loggers.CreateLogger("health"));
        health.Update(config);
        var composed = Compose(config, health, new Dictionary<string, int>());
        var sessions = options.Etcd is { } etcdClient ? new ReplicatedSessionTable(etcdClient, Classifier.DefaultAffinityTimeout, loggers.CreateLogger("sessions")) : null;
        sessions?.Start();
        var classifier = new Classifier(composed, policies, sessions: sessions);
        var agents = new List<SwitchAgent>();
        foreach (var sw in config.Switches)
        {
            // Paths in the configuration are relative to its own directory.
            var p4Info = sw.P4InfoPath is { } p4InfoPath ? P4InfoIndex.Load(Path.Combine(baseDirectory, p4InfoPath)) : OffloadP4.BuiltInP4Info;
            var deviceConfig = sw.DeviceConfigPath is { } path ? ByteString.CopyFrom(File.ReadAllBytes(Path.Combine(baseDirectory, path))) : null;
            agents.Add(new SwitchAgent(composed, sw, p4Info, deviceConfig, classifier, options, loggers));
        }
        var groups = config.Switches.Select(s => s.Group).OfType<SwitchGroupConfig>().DistinctBy(g => g.Name)
            .Select(g => new StandbyGroup(g, g.Members.Select(m => agents.First(a => a.Name == m)).ToList(), loggers.CreateLogger("group"))).ToList();
        var host = new ControllerHost(config, classifier, agents, health, loggers.CreateLogger("controller"))
        {
            IsKnownAlgorithm = n => policies.TryGet(n, out _),
            Cluster = new ClusterConfiguration(config, yaml, name, n => policies.TryGet(n, out _)),
            Groups = groups,
        };
        foreach (var group in groups)
            host._runs.Add(group.RunAsync(host._stop.Token));
        foreach (var agent in agents)
        {
            agent.LinkVerdict = health.LinkChanged;
            host._runs.Add(agent.RunAsync(host._stop.Token));
        }
        health.SelectionChanged += host.HealthChanged;
        health.HeldDown += host.BackendHeldDown;
        host._runs.Add(host.StartHealthWhenProgrammedAsync(TimeSpan.FromSeconds(10), host._stop.Token));
        host.NodeAgents.Start(config, host._stop.Token);
        host._runs.Add(host.FollowHealthAsync(host._stop.Token));
        if (config.Controller.ConfigMaster is not null)
            host._runs.Add(host.FollowMasterAsync(host._stop.Token));
        return host;
    }

    /// <summary>This controller's active and pending configurations, and whose configuration it follows.</summary>
    public ClusterConfiguration Cluster { get; private init; } = null!;

    // A follower asks the master for its configuration every heartbeat; a newer one becomes pending.
    private async Task FollowMasterAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        string? lastProblem = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            var master = Cluster.Master!;
            string? problem = null;
            try
            {
                var envelope = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync(http, $"http://{master}/api/config",
                    Management.AdminJson.Default.ConfigEnvelope, cancellationToken);
                if (envelope is not null && Cluster.Offer(envelope))
                    LogPending(_logger, envelope.Version, envelope.Checksum[..12], master);
                problem = Cluster.LastRefusal;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or NotSupportedException
                                       && !cancellationToken.IsCancellationRequested)
            {
                problem = $"the configuration master {master} does not answer: {ex.Message}";
            }
            if (problem != lastProblem && problem is not null)
                LogMasterProblem(_logger, problem);
            lastProblem = problem;
            try
            {
                await Task.Delay(_configured.Controller.Heartbeat, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Runs the pending configuration (received from the master): it becomes the active one.</summary>
    /// <exception cref="ConfigException">nothing is pending, or it cannot be applied</exception>
    public async Task<IReadOnlyList<string>> ActivatePendingAsync(CancellationToken cancellationToken = default)
    {
        var pending = Cluster.PendingOrThrow();
        var results = await ApplyCoreAsync(pending.Config, pending.Yaml, pending.Name, cancellationToken);
        LogActivated(_logger, pending.Version, pending.Checksum[..12]);
        return results;
    }

    [LoggerMessage(EventId = 1410, Level = LogLevel.Information, Message = "configuration version {Version} ({Checksum}…) from master {Master} is pending: `offloadctl config diff` shows it, `offloadctl config activate` runs it")]
    private static partial void LogPending(ILogger logger, long version, string checksum, string master);

    [LoggerMessage(EventId = 1411, Level = LogLevel.Warning, Message = "cluster configuration: {Problem}")]
    private static partial void LogMasterProblem(ILogger logger, string problem);

    [LoggerMessage(EventId = 1412, Level = LogLevel.Information, Message = "configuration version {Version} ({Checksum}…) activated")]
    private static partial void LogActivated(ILogger logger, long version, string checksum);

    /// <summary>
    /// Probes often travel through the switches being programmed (routes to the backends), so they start once every
    /// switch has been reconciled, or after <paramref name="patience"/> when a switch stays away: otherwise a fresh
    /// controller would hold down every backend it cannot reach yet, for the whole hold-down period.
    /// </summary>
    private async Task StartHealthWhenProgrammedAsync(TimeSpan patience, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        bool Programmed() => Agents.All(a => a.IsReady);
        try
        {
            while (!Programmed() && waited.Elapsed < patience)
                await Task.Delay(50, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        if (Programmed())
            _logger.LogInformation("health probes start: every switch is programmed ({Ms:0} ms)", waited.Elapsed.TotalMilliseconds);
        else
            _logger.LogWarning("health probes start although switches {Switches} are not programmed after {Seconds:0} s",
                string.Join(", ", Agents.Where(a => !a.IsReady).Select(a => a.Name)), patience.TotalSeconds);
        Health.Start(cancellationToken);
    }

    /// <summary>What applying a configuration would change, element by element, without changing anything.</summary>
    public IReadOnlyList<string> PlanApply(OffloadConfig config)
    {
        RefuseSwitchChanges(config);
        return ConfigDiff.Compare(_configured, config);
    }

    /// <summary>What activating the pending configuration would change; a line saying so when nothing is pending.</summary>
    public IReadOnlyList<string> PendingDiff() => Cluster.Pending is { } pending
        ? ConfigDiff.Compare(_configured, pending.Config) is { Count: > 0 } lines ? lines : [$"version {pending.Version} changes nothing here"]
        : [$"no pending configuration; version {Cluster.Active.Version} is active"];

    /// <summary>
    /// Takes a new configuration file's content: the switches must stay the same; everything else converges. A
    /// follower of a configuration master refuses it (its configuration comes from the master), and an older version
    /// than the active one is refused.
    /// </summary>
    public Task<IReadOnlyList<string>> ApplyAsync(OffloadConfig config, CancellationToken cancellationToken = default, string yaml = "", string name = "applied")
    {
        if (Cluster.Master is { } master)
            throw new ConfigException([$"this controller follows the configuration of {master}: apply it there, then `offloadctl config activate` here"]);
        return ApplyCoreAsync(config, yaml, name, cancellationToken);
    }

    private async Task<IReadOnlyList<string>> ApplyCoreAsync(OffloadConfig config, string yaml, string name, CancellationToken cancellationToken)
    {
        RefuseSwitchChanges(config);
        Cluster.CheckNewer(config, yaml);
        var results = await ConvergeAsync(() =>
        {
            _configured = config;
            lock (_weights)
            {
                foreach (var gone in _weights.Keys.Where(n => config.Backends.All(b => b.Name != n)).ToList())
                    _weights.Remove(gone);
            }
            Health.Update(config);
            NodeAgents.Update(config);
        }, cancellationToken);
        Cluster.Activated(config, yaml, name);
        return results;
    }

    private void RefuseSwitchChanges(OffloadConfig config)
    {
        static (string, string, ulong, string?, string?) Identity(SwitchConfig s) => (s.Name, s.Address, s.DeviceId, s.Group?.Name, s.Group?.VirtualMac);
        if (!_configured.Switches.Select(Identity).SequenceEqual(config.Switches.Select(Identity)))
            throw new ConfigException(["the switches (name, address, device id, standby group) cannot change while the controller runs; restart it"]);
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
            lock (_weights)
            {
                if (weight is { } w)
                    _weights[backend] = w;
                else
                    _weights.Remove(backend);
            }
        }, cancellationToken);
    }

    private OffloadConfig Compose()
    {
        lock (_weights)
            return Compose(_configured, Health, _weights);
    }

    private static OffloadConfig Compose(OffloadConfig configured, HealthMonitor health, IReadOnlyDictionary<string, int> weights) => configured with
    {
        Backends = configured.Backends.Select(b => b with { Weight = health.EffectiveWeight(b, weights.TryGetValue(b.Name, out var w) ? w : b.Weight) }).ToList(),
    };

    private void HealthChanged()
    {
        try
        {
            _healthChanged.Release();
        }
        catch (SemaphoreFullException)
        {
            // A pass is due already; it converges on the latest state.
        }
    }

    private void BackendHeldDown(BackendConfig backend, HeldDownConnections connections)
    {
        if (connections == HeldDownConnections.Remove)
            _connectionsToRemove.Enqueue(backend.Id);
    }

    // Health verdicts arrive in bursts; each pass converges on the latest, then removes what held-down checks ask to remove.
    private async Task FollowHealthAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _healthChanged.WaitAsync(cancellationToken);
                var results = await ConvergeAsync(null, cancellationToken);
                if (results.Count > 0)
                    LogHealthApplied(_logger, string.Join("; ", results));
                while (_connectionsToRemove.TryDequeue(out var backendId))
                {
                    foreach (var agent in Agents)
                    {
                        var removed = await agent.RemoveBackendConnectionsAsync(backendId, cancellationToken);
                        if (removed > 0)
                            LogConnectionsRemoved(_logger, agent.Name, removed, backendId);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is Offload.Grpc.RpcException or Offload.P4Runtime.Session.P4RuntimeWriteException or IOException)
            {
                LogHealthFailed(_logger, ex.Message);
                HealthChanged();
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    [LoggerMessage(EventId = 1400, Level = LogLevel.Information, Message = "health: weights applied: {Results}")]
    private static partial void LogHealthApplied(ILogger logger, string results);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "health: {Switch}: {Count} connection(s) of held-down backend {BackendId} removed")]
    private static partial void LogConnectionsRemoved(ILogger logger, string @switch, int count, int backendId);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "health: weights not applied yet: {Error}; retrying")]
    private static partial void LogHealthFailed(ILogger logger, string error);

    private async Task<IReadOnlyList<string>> ConvergeAsync(Action? change, CancellationToken cancellationToken)
    {
        await _applying.WaitAsync(cancellationToken);
        try
        {
            change?.Invoke();
            var composed = Compose();
            if (change is null && composed.Backends.Select(b => b.Weight).SequenceEqual(Config.Backends.Select(b => b.Weight)))
                return [];
            Config = composed;
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
        if (Classifier.Sessions is ReplicatedSessionTable sessions)
            await sessions.DisposeAsync();
        await Health.DisposeAsync();
        await NodeAgents.DisposeAsync();
        await Task.WhenAll(_runs.Select(r => r.ContinueWith(_ => { }, TaskScheduler.Default)));
        foreach (var agent in Agents)
            await agent.DisposeAsync();
        _stop.Dispose();
    }
}
