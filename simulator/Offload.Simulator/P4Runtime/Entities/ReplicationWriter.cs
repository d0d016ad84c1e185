#pragma warning disable CS0612 // deprecated fields (watch, egress_port) are still accepted, as BMv2 accepts them
using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Replication;
using P4.V1;
using Replica = Offload.Simulator.Runtime.Replication.Replica;
using UpdateType = P4.V1.Update.Types.Type;

namespace Offload.Simulator.P4Runtime.Entities;

/// <summary>Multicast groups and clone sessions, with PI's id ranges for BMv2.</summary>
internal static class ReplicationWriter
{
    public static void Write(ReplicationEngine pre, UpdateType type, PacketReplicationEngineEntry entry)
    {
        switch (entry.TypeCase)
        {
            case PacketReplicationEngineEntry.TypeOneofCase.MulticastGroupEntry:
                var group = entry.MulticastGroupEntry;
                if (group.MulticastGroupId == 0 || group.MulticastGroupId > ReplicationEngine.MaxMulticastGroupId)
                    throw P4Error.InvalidArgument($"multicast group id {group.MulticastGroupId} is outside 1..{ReplicationEngine.MaxMulticastGroupId}");
                Apply(pre.MulticastGroups, type, group.MulticastGroupId, () => Replicas(group.Replicas), "multicast group");
                break;
            case PacketReplicationEngineEntry.TypeOneofCase.CloneSessionEntry:
                var session = entry.CloneSessionEntry;
                if (session.SessionId == 0 || session.SessionId > ReplicationEngine.MaxCloneSessionId)
                    throw P4Error.InvalidArgument($"clone session id {session.SessionId} is outside 1..{ReplicationEngine.MaxCloneSessionId}");
                if (session.ClassOfService != 0)
                    throw P4Error.Unimplemented("class_of_service is not supported (as on BMv2)");
                if (session.PacketLengthBytes < 0)
                    throw P4Error.InvalidArgument($"packet_length_bytes {session.PacketLengthBytes} is negative");
                Apply(pre.CloneSessions, type, session.SessionId,
                    () => new CloneSession(Replicas(session.Replicas), session.PacketLengthBytes), "clone session");
                break;
            default:
                throw P4Error.InvalidArgument("a packet replication engine entry without a multicast group or clone session");
        }
    }

    private static void Apply<T>(Dictionary<uint, T> entries, UpdateType type, uint id, Func<T> build, string what)
    {
        switch (type)
        {
            case UpdateType.Insert:
                if (entries.ContainsKey(id))
                    throw P4Error.AlreadyExists($"{what} {id} already exists");
                entries[id] = build();
                break;
            case UpdateType.Modify:
                if (!entries.ContainsKey(id))
                    throw P4Error.NotFound($"no {what} {id}");
                entries[id] = build();
                break;
            default:
                if (!entries.Remove(id))
                    throw P4Error.NotFound($"no {what} {id}");
                break;
        }
    }

    private static IReadOnlyList<Replica> Replicas(IEnumerable<P4.V1.Replica> replicas)
    {
        var result = new List<Replica>();
        var seen = new HashSet<(uint, uint)>();
        foreach (var r in replicas)
        {
            var asEgressPort = r.PortKindCase != P4.V1.Replica.PortKindOneofCase.Port;
            var port = asEgressPort ? r.EgressPort : (uint)Values.Parse(r.Port, 32, "replica port");
            if (port == 0)
                throw P4Error.InvalidArgument("replica port 0 is not a port");
            if (!seen.Add((port, r.Instance)))
                throw P4Error.InvalidArgument($"replica (port {port}, instance {r.Instance}) appears twice");
            result.Add(new Replica(port, r.Instance, asEgressPort));
        }
        return result;
    }
}
