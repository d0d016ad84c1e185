using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Offload.AgentProtocol;
using Offload.Controller.Configuration;
using Offload.Controller.Health.Probes;
using Offload.Controller.Switches;

namespace Offload.Controller.Health;

/// <summary>
/// Watches every backend: probes those that name a health check, each on its own schedule (started at a
/// random point of its first interval, so thousands of backends do not probe in step), feeds the outcomes and the
/// agent's and port monitor's reports to the backend's state machine, and says when a backend's weight for new
/// connections changes. Probes run concurrently, at most <paramref name="maxConcurrentProbes"/> at once.
/// </summary>
public sealed partial class HealthMonitor(TimeProvider time, ILogger logger, int maxConcurrentProbes = 512) : IAsyncDisposable
{
    private readonly Dictionary<string, WatchedBackend> _watched = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _probing = new(maxConcurrentProbes, maxConcurrentProbes);
    private readonly Dictionary<HealthState, long> _transitions = Enum.GetValues<HealthState>().ToDictionary(s => s, _ => 0L);
    private CancellationToken _stopping;
    private bool _started;

    /// <summary>A backend's weight for new connections may have changed (state, agent, link, script weight or load).</summary>
    public event Action? SelectionChanged;

    /// <summary>A backend went into HOLD_DOWN; its check says whether its established connections go too.</summary>
    public event Action<BackendConfig, HeldDownConnections>? HeldDown;

    /// <summary>How late each probe started against its schedule, in seconds.</summary>
    public LatencyHistogram Lateness { get; } = new();

    /// <summary>Every state change, with the backend's name (the bench times detection from it).</summary>
    public event Action<string, HealthTransition>? Transitioned;

    public long ProbesRun => Interlocked.Read(ref _probesRun);
    private long _probesRun;

    /// <summary>Transitions into each state since start.</summary>
    public IReadOnlyDictionary<HealthState, long> Transitions
    {
        get
        {
            lock (_transitions)
                return new Dictionary<HealthState, long>(_transitions);
        }
    }

    /// <summary>Starts probing; configurations taken before and after are watched from now on.</summary>
    public void Start(CancellationToken stopping)
    {
        lock (_watched)
        {
            _stopping = stopping;
            _started = true;
            foreach (var watched in _watched.Values)
                Launch(watched);
        }
    }

    /// <summary>
    /// Takes a configuration: a backend whose check, address and agent are unchanged keeps its state; a new or
    /// changed one starts UP with a fresh state machine; one no longer watched stops.
    /// </summary>
    public void Update(OffloadConfig config)
    {
        var checks = config.HealthChecks.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var stopped = new List<WatchedBackend>();
        lock (_watched)
        {
            // Every backend: those without a check or an agent still get the port monitor's verdicts.
            var wanted = config.Backends.ToDictionary(b => b.Name, StringComparer.Ordinal);
            foreach (var name in _watched.Keys.Where(n => !wanted.ContainsKey(n)).ToList())
            {
                stopped.Add(_watched[name]);
                _watched.Remove(name);
            }
            foreach (var (name, backend) in wanted)
            {
                var check = backend.HealthCheck is { } c ? checks[c] : null;
                if (_watched.TryGetValue(name, out var existing))
                {
                    if (existing.SameWatch(backend, check))
                    {
                        lock (existing.Gate)
                            existing.Backend = backend;
                        continue;
                    }
                    stopped.Add(existing);
                }
                var watched = new WatchedBackend(backend, check, new HealthStateMachine(ProbeFactory.Policy(check), time));
                _watched[name] = watched;
                if (_started)
                    Launch(watched);
            }
        }
        foreach (var watched in stopped)
            watched.Stop.Cancel();
        if (stopped.Count > 0)
            SelectionChanged?.Invoke();
    }

    /// <summary>The weight the backend gets for new connections, given the weight configuration and the operator give it.</summary>
    public int EffectiveWeight(BackendConfig backend, int weight)
    {
        WatchedBackend? watched;
        lock (_watched)
            _watched.TryGetValue(backend.Name, out watched);
        if (watched is null)
            return weight;
        lock (watched.Gate)
            return HealthWeights.Effective(weight, watched.Machine.State, watched.AgentState, watched.LinkDown, watched.ScriptWeight, watched.Load,
                watched.Check?.WeightFromLoad ?? false);
    }

    public IReadOnlyList<BackendHealth> Snapshot()
    {
        List<WatchedBackend> all;
        lock (_watched)
            all = _watched.Values.ToList();
        return all.Select(w =>
        {
            lock (w.Gate)
                return new BackendHealth(w.Backend.Name, w.Check?.Name, w.Machine.State, w.Machine.Since, w.Machine.Reason, w.Recent.ToList(),
                    w.ScriptWeight, w.AgentState, w.Load, w.AgentError, w.LinkDown,
                    HealthWeights.Selectable(w.Machine.State, w.AgentState, w.LinkDown));
        }).OrderBy(h => h.Backend, StringComparer.Ordinal).ToList();
    }

    /// <summary>Takes a node agent's report of the backend's service and its host's load.</summary>
    public void AgentReported(string backendName, ServiceState state, LoadReport? load)
    {
        if (Find(backendName) is not { } watched)
            return;
        HealthTransition? transition;
        bool changed;
        lock (watched.Gate)
        {
            var before = Weight(watched);
            watched.AgentState = state;
            watched.Load = load;
            watched.AgentError = null;
            watched.AgentHeardAt = time.GetUtcNow();
            transition = watched.Machine.AgentReported(state);
            changed = Weight(watched) != before;
        }
        Settle(watched, transition, changed);
    }

    /// <summary>The backend's agent did not answer: shown, but the probes alone decide (an agent is not the service).</summary>
    public void AgentUnreachable(string backendName, string error)
    {
        if (Find(backendName) is not { } watched)
            return;
        lock (watched.Gate)
        {
            if (watched.AgentError is null)
                LogAgentUnreachable(logger, backendName, error);
            watched.AgentError = error;
        }
    }

    /// <summary>The port monitor's verdict on the switch port that reaches the backend (null: up).</summary>
    public void LinkChanged(string backendName, string? down)
    {
        if (Find(backendName) is not { } watched)
            return;
        bool changed;
        lock (watched.Gate)
        {
            changed = watched.LinkDown != down;
            watched.LinkDown = down;
        }
        if (!changed)
            return;
        if (down is null)
            LogLinkUp(logger, backendName);
        else
            LogLinkDown(logger, backendName, down);
        SelectionChanged?.Invoke();
    }

    private WatchedBackend? Find(string backendName)
    {
        lock (_watched)
            return _watched.GetValueOrDefault(backendName);
    }

    private static int Weight(WatchedBackend w) =>
        HealthWeights.Effective(w.Backend.Weight, w.Machine.State, w.AgentState, w.LinkDown, w.ScriptWeight, w.Load, w.Check?.WeightFromLoad ?? false);

    private void Launch(WatchedBackend watched)
    {
        if (watched.Probe is null)
            return;
        var token = CancellationTokenSource.CreateLinkedTokenSource(_stopping, watched.Stop.Token).Token;
        watched.Running = Task.Run(() => ProbeLoopAsync(watched, token), CancellationToken.None);
    }

    private async Task ProbeLoopAsync(WatchedBackend watched, CancellationToken cancellationToken)
    {
        var check = watched.Check!;
        var next = time.GetUtcNow() + check.Interval * Random.Shared.NextDouble();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var wait = next - time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait, time, cancellationToken);
                await ProbeOnceAsync(watched, next, cancellationToken);
                next += check.Interval;
                var now = time.GetUtcNow();
                if (next < now)
                    next = now + check.Interval;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ProbeOnceAsync(WatchedBackend watched, DateTimeOffset scheduled, CancellationToken cancellationToken)
    {
        HealthTransition? resumed;
        lock (watched.Gate)
        {
            if (!watched.Machine.ShouldProbe(out resumed))
                return;
        }
        if (resumed is not null)
            Settle(watched, resumed, changed: false);
        await _probing.WaitAsync(cancellationToken);
        ProbeResult result;
        var started = time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        try
        {
            Lateness.Observe(Math.Max(0, (started - scheduled).TotalSeconds));
            result = await ProbeRunner.RunAsync(watched.Probe!, watched.Target!, watched.Check!.Timeout, cancellationToken);
        }
        finally
        {
            _probing.Release();
        }
        Interlocked.Increment(ref _probesRun);
        HealthTransition? transition;
        bool changed;
        lock (watched.Gate)
        {
            var before = Weight(watched);
            watched.Remember(new ProbeRecord(started, result.Up, result.Detail, clock.Elapsed.TotalMilliseconds));
            if (result.Up)
                watched.ScriptWeight = result.Weight;
            transition = watched.Machine.Observe(result.Up, result.Detail);
            changed = Weight(watched) != before;
        }
        Settle(watched, transition, changed);
    }

    private void Settle(WatchedBackend watched, HealthTransition? transition, bool changed)
    {
        if (transition is not null)
        {
            lock (_transitions)
                _transitions[transition.To]++;
            LogTransition(logger, watched.Backend.Name, State(transition.From), State(transition.To), transition.Reason);
            Transitioned?.Invoke(watched.Backend.Name, transition);
            if (transition.To == HealthState.HoldDown)
                HeldDown?.Invoke(watched.Backend, watched.Check?.HeldDownConnections ?? HeldDownConnections.Keep);
        }
        if (changed || transition is not null)
            SelectionChanged?.Invoke();
    }

    public static string State(HealthState state) => state switch
    {
        HealthState.Up => "UP",
        HealthState.HoldDown => "HOLD_DOWN",
        _ => "RECOVERING",
    };

    public async ValueTask DisposeAsync()
    {
        List<WatchedBackend> all;
        lock (_watched)
            all = _watched.Values.ToList();
        foreach (var watched in all)
            watched.Stop.Cancel();
        await Task.WhenAll(all.Select(w => w.Running));
    }

    [LoggerMessage(EventId = 1300, Level = LogLevel.Warning, Message = "health: {Backend} {From} → {To}: {Reason}")]
    private static partial void LogTransition(ILogger logger, string backend, string from, string to, string reason);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "health: {Backend}'s node agent does not answer: {Error}")]
    private static partial void LogAgentUnreachable(ILogger logger, string backend, string error);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "health: {Backend} out of selection: {Reason}")]
    private static partial void LogLinkDown(ILogger logger, string backend, string reason);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Information, Message = "health: {Backend}'s switch port answers again")]
    private static partial void LogLinkUp(ILogger logger, string backend);
}
