namespace Offload.Controller.LoadBalancing;

/// <summary>
/// A backend a new flow may go to: healthy and not draining. <see cref="Weight"/> comes from configuration or from
/// health and load (token allotment); <see cref="ActiveConnections"/> is live, updated as flows are pinned and end.
/// </summary>
public sealed class BackendCandidate(int id, int weight)
{
    private long _active;

    public int Id { get; } = id;
    public int Weight { get; set; } = weight;
    public long ActiveConnections => Interlocked.Read(ref _active);

    public void ConnectionOpened() => Interlocked.Increment(ref _active);
    public void ConnectionClosed() => Interlocked.Decrement(ref _active);

    public override string ToString() => $"backend {Id} (weight {Weight}, {ActiveConnections} active)";
}
