using Offload.AgentProtocol;
using Offload.Controller.Configuration;
using Offload.Controller.Health.Probes;

namespace Offload.Controller.Health;

/// <summary>A probe as it ran: when, its outcome, how long it took.</summary>
public sealed record ProbeRecord(DateTimeOffset At, bool Up, string Detail, double Milliseconds);

/// <summary>
/// One backend under watch: its state machine, its recent probes, and what its node agent and the switch port
/// monitor last said. Mutable; every access holds <see cref="Gate"/>.
/// </summary>
internal sealed class WatchedBackend(BackendConfig backend, HealthCheckConfig? check, HealthStateMachine machine)
{
    public const int RecentProbes = 5;

    public object Gate { get; } = new();
    public BackendConfig Backend { get; set; } = backend;
    public HealthCheckConfig? Check { get; } = check;
    public HealthStateMachine Machine { get; } = machine;
    public IHealthProbe? Probe { get; } = check is null ? null : ProbeFactory.Create(check);
    public ProbeTarget? Target => Check is null ? null : ProbeFactory.Target(Check, Backend);
    public Queue<ProbeRecord> Recent { get; } = new();
    public int? ScriptWeight { get; set; }
    public ServiceState? AgentState { get; set; }
    public LoadReport? Load { get; set; }
    public string? AgentError { get; set; }
    public DateTimeOffset? AgentHeardAt { get; set; }
    public string? LinkDown { get; set; }
    public CancellationTokenSource Stop { get; } = new();
    public Task Running { get; set; } = Task.CompletedTask;

    public bool SameWatch(BackendConfig backend, HealthCheckConfig? check) =>
        Equals(Check, check) && Backend.Address.Equals(backend.Address) && Backend.Port == backend.Port
        && Backend.Agent == backend.Agent && Backend.AgentService == backend.AgentService;

    public void Remember(ProbeRecord probe)
    {
        Recent.Enqueue(probe);
        while (Recent.Count > RecentProbes)
            Recent.Dequeue();
    }
}
