namespace Offload.Simulator.Runtime.Replication;

/// <param name="WrittenAsEgressPort">the writer used the deprecated uint32 egress_port; reads answer in the same form, as PI does</param>
internal sealed record Replica(uint Port, uint Instance, bool WrittenAsEgressPort = false);

internal sealed record CloneSession(IReadOnlyList<Replica> Replicas, int PacketLengthBytes);

/// <summary>The packet replication engine: multicast groups and clone sessions, as PI bounds them on BMv2.</summary>
internal sealed class ReplicationEngine
{
    public const uint MaxMulticastGroupId = 32767;
    public const uint MaxCloneSessionId = 32767;

    public Dictionary<uint, IReadOnlyList<Replica>> MulticastGroups { get; } = new();
    public Dictionary<uint, CloneSession> CloneSessions { get; } = new();
}
