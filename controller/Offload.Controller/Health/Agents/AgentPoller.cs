using Offload.AgentProtocol;
using Offload.Controller.Configuration;

namespace Offload.Controller.Health.Agents;

/// <summary>
/// Polls every node agent the configuration names, once per <see cref="ControllerConfig.AgentPoll"/>, and hands
/// each backend its service's state and its host's load. A report an agent pushes takes the same path.
/// </summary>
public sealed class AgentPoller(HealthMonitor monitor) : IAsyncDisposable
{
    /// <summary>How long a poll may take at least, however short the poll interval (a busy host answers late, not never).</summary>
    private static readonly TimeSpan AgentTimeout = TimeSpan.FromSeconds(2);

    private readonly object _gate = new();
    private Dictionary<string, (AgentClient Client, CancellationTokenSource Stop, Task Polling)> _agents = new(StringComparer.Ordinal);
    private volatile OffloadConfig? _config;
    private CancellationToken _stopping;

    public void Start(OffloadConfig config, CancellationToken stopping)
    {
        _stopping = stopping;
        Update(config);
    }

    /// <summary>Starts polling agents newly named, stops polling those no longer named.</summary>
    public void Update(OffloadConfig config)
    {
        _config = config;
        var wanted = config.Backends.Select(b => b.Agent).OfType<string>().ToHashSet(StringComparer.Ordinal);
        lock (_gate)
        {
            var next = new Dictionary<string, (AgentClient, CancellationTokenSource, Task)>(StringComparer.Ordinal);
            foreach (var (endpoint, agent) in _agents)
            {
                if (wanted.Contains(endpoint))
                    next[endpoint] = agent;
                else
                    agent.Stop.Cancel();
            }
            foreach (var endpoint in wanted.Where(e => !next.ContainsKey(e)))
            {
                var client = new AgentClient(endpoint, config.Controller.AgentPoll > AgentTimeout ? config.Controller.AgentPoll : AgentTimeout);
                var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
                next[endpoint] = (client, stop, Task.Run(() => PollAsync(client, stop.Token), CancellationToken.None));
            }
            _agents = next;
        }
    }

    /// <summary>Applies a report (polled or pushed) to the backends whose agent it comes from; returns how many backends it named.</summary>
    public int Accept(AgentReport report)
    {
        var config = _config;
        if (config is null)
            return 0;
        var services = report.Services.GroupBy(s => s.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var applied = 0;
        foreach (var backend in config.Backends.Where(b => b.Agent == report.Agent))
        {
            if (services.TryGetValue(backend.AgentService!, out var service))
            {
                monitor.AgentReported(backend.Name, ServiceStateNames.Parse(service.State), report.Load);
                applied++;
            }
            else
            {
                monitor.AgentUnreachable(backend.Name, $"the agent at {report.Agent} does not watch a service named '{backend.AgentService}'");
            }
        }
        return applied;
    }

    private async Task PollAsync(AgentClient client, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var interval = _config?.Controller.AgentPoll ?? TimeSpan.FromSeconds(1);
            try
            {
                var report = await client.ReadAsync(cancellationToken);
                // The configuration names the agent; what it calls itself does not matter when polled.
                Accept(report with { Agent = client.Endpoint });
            }
            catch (Exception ex) when (ex is HttpRequestException or FormatException or IOException
                                           || ex is OperationCanceledException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                foreach (var backend in _config?.Backends.Where(b => b.Agent == client.Endpoint) ?? [])
                    monitor.AgentUnreachable(backend.Name, ex is OperationCanceledException ? "no answer in time" : ex.Message);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            try
            {
                await Task.Delay(interval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        client.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        List<Task> polling;
        lock (_gate)
        {
            foreach (var agent in _agents.Values)
                agent.Stop.Cancel();
            polling = _agents.Values.Select(a => a.Polling).ToList();
        }
        await Task.WhenAll(polling);
    }
}
