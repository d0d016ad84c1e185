namespace Offload.Controller.Health;

/// <summary>Where a backend's service stands for selection.</summary>
public enum HealthState
{
    /// <summary>Selectable; probed every interval.</summary>
    Up,

    /// <summary>Out of selection; not probed until the hold-down ends (or, when its node agent reported it down, until the agent reports it running).</summary>
    HoldDown,

    /// <summary>Out of selection after a hold-down; probed, and up again after enough consecutive successes.</summary>
    Recovering,
}

/// <summary>What a node agent reports of a service (from its PID file).</summary>
public enum ServiceState
{
    Running,
    NotRunning,
    Starting,
}

/// <summary>A service state as agents send it and operators read it: RUNNING, NOT RUNNING, STARTING.</summary>
public static class ServiceStateNames
{
    public static string Of(ServiceState state) => state switch
    {
        ServiceState.Running => Offload.AgentProtocol.ServiceStates.Running,
        ServiceState.Starting => Offload.AgentProtocol.ServiceStates.Starting,
        _ => Offload.AgentProtocol.ServiceStates.NotRunning,
    };

    /// <summary>The state a wire name stands for; anything but RUNNING or STARTING counts as not running.</summary>
    public static ServiceState Parse(string name) => name switch
    {
        Offload.AgentProtocol.ServiceStates.Running => ServiceState.Running,
        Offload.AgentProtocol.ServiceStates.Starting => ServiceState.Starting,
        _ => ServiceState.NotRunning,
    };
}

/// <summary>The thresholds of the seeds' state machine: 3 failures → hold-down 60 s → 3 successes → up.</summary>
public sealed record HealthPolicy(int Fall = 3, int Rise = 3, TimeSpan? HoldDownPeriod = null)
{
    public TimeSpan HoldDown => HoldDownPeriod ?? TimeSpan.FromSeconds(60);
}

/// <summary>A change of state and why.</summary>
public sealed record HealthTransition(HealthState From, HealthState To, string Reason, DateTimeOffset At);

/// <summary>
/// One (backend, service)'s health: consecutive probe failures put it in HOLD_DOWN at once, probes are suspended
/// for the hold-down period, then resumed, and only consecutive successes bring it back. A node agent reporting
/// the service not running holds it down until the agent reports it running; the hold-down period starts then.
/// </summary>
public sealed class HealthStateMachine(HealthPolicy policy, TimeProvider time)
{
    private DateTimeOffset? _holdDownUntil;
    private bool _agentDown;

    public HealthState State { get; private set; } = HealthState.Up;
    public DateTimeOffset Since { get; private set; } = time.GetUtcNow();
    public int ConsecutiveFailures { get; private set; }
    public int ConsecutiveSuccesses { get; private set; }
    public string Reason { get; private set; } = "not probed yet";

    /// <summary>True when a probe should run now; ends a hold-down whose period is over (→ RECOVERING).</summary>
    public bool ShouldProbe(out HealthTransition? transition)
    {
        transition = null;
        if (State != HealthState.HoldDown)
            return true;
        if (_agentDown || _holdDownUntil is not { } until || time.GetUtcNow() < until)
            return false;
        transition = Move(HealthState.Recovering, $"hold-down of {policy.HoldDown.TotalSeconds:0.#} s over; probing again");
        return true;
    }

    /// <summary>Takes a probe's outcome; returns the transition it caused, if any. Outcomes during a hold-down are ignored.</summary>
    public HealthTransition? Observe(bool up, string detail)
    {
        if (State == HealthState.HoldDown)
            return null;
        if (up)
        {
            ConsecutiveFailures = 0;
            ConsecutiveSuccesses++;
            if (State == HealthState.Recovering && ConsecutiveSuccesses >= policy.Rise)
                return Move(HealthState.Up, $"{ConsecutiveSuccesses} consecutive successes: {detail}");
            return null;
        }
        ConsecutiveSuccesses = 0;
        ConsecutiveFailures++;
        Reason = detail;
        if (State == HealthState.Up && ConsecutiveFailures < policy.Fall)
            return null;
        // Recovering: one failure is enough to hold it down again.
        _holdDownUntil = time.GetUtcNow() + policy.HoldDown;
        return Move(HealthState.HoldDown, State == HealthState.Up ? $"{ConsecutiveFailures} consecutive failures: {detail}" : $"failed while recovering: {detail}");
    }

    /// <summary>Takes a node agent's report of the service.</summary>
    public HealthTransition? AgentReported(ServiceState service)
    {
        if (service != ServiceState.Running)
        {
            var wasDown = _agentDown;
            _agentDown = true;
            _holdDownUntil = null;
            return State == HealthState.HoldDown && wasDown ? null : Move(HealthState.HoldDown, $"node agent reports {ServiceStateNames.Of(service)}");
        }
        if (!_agentDown)
            return null;
        _agentDown = false;
        _holdDownUntil = time.GetUtcNow() + policy.HoldDown;
        Reason = $"node agent reports running; hold-down of {policy.HoldDown.TotalSeconds:0.#} s";
        return null;
    }

    private HealthTransition Move(HealthState to, string reason)
    {
        var transition = new HealthTransition(State, to, reason, time.GetUtcNow());
        State = to;
        Since = transition.At;
        Reason = reason;
        ConsecutiveFailures = 0;
        ConsecutiveSuccesses = 0;
        return transition;
    }
}
