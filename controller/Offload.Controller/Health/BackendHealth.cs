using Offload.AgentProtocol;

namespace Offload.Controller.Health;

/// <summary>A backend's health as the admin API and offloadctl show it.</summary>
public sealed record BackendHealth(string Backend, string? Check, HealthState State, DateTimeOffset Since, string Reason,
    IReadOnlyList<ProbeRecord> RecentProbes, int? ScriptWeight, ServiceState? AgentState, LoadReport? Load, string? AgentError,
    string? LinkDown, bool Selectable);

/// <summary>
/// The weight a backend gets for new connections once health and load have their say: 0 when it is held down,
/// recovering, its agent reports it not running, or its switch port is down; a script check's weight when it gave
/// one (keepalived's misc_dynamic); with <c>weight_from_load</c>, the configured weight times the host's headroom in
/// tenths (1 − the busier of CPU and memory, rounded to a tenth so small wobbles change nothing; 10 tenths until the
/// agent first reports), at least 1.
/// </summary>
public static class HealthWeights
{
    public static int Effective(int weight, HealthState state, ServiceState? agent, string? linkDown, int? scriptWeight, LoadReport? load, bool fromLoad)
    {
        if (!Selectable(state, agent, linkDown))
            return 0;
        if (scriptWeight is { } scripted)
            return scripted;
        if (fromLoad && weight > 0)
            return Math.Max(1, weight * (load is null ? 10 : Headroom(load)));
        return weight;
    }

    /// <summary>Whether health lets the backend take new connections at all: UP, its agent not reporting it down, its port answering.</summary>
    public static bool Selectable(HealthState state, ServiceState? agent, string? linkDown) =>
        state == HealthState.Up && agent is not (ServiceState.NotRunning or ServiceState.Starting) && linkDown is null;

    /// <summary>Free capacity in tenths, 0..10.</summary>
    public static int Headroom(LoadReport load) => (int)Math.Round((1 - Math.Clamp(Math.Max(load.Cpu, load.Memory), 0, 1)) * 10, MidpointRounding.AwayFromZero);
}
