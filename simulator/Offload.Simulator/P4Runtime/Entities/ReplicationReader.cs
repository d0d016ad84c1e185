#pragma warning disable CS0612 // the deprecated egress_port is answered to a writer that used it, as PI does
using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Replication;
using P4.V1;
using Replica = Offload.Simulator.Runtime.Replication.Replica;

namespace Offload.Simulator.P4Runtime.Entities;

internal static class ReplicationReader
{
    public static IEnumerable<Entity> Read(ReplicationEngine pre, PacketReplicationEngineEntry filter)
    {
        switch (filter.TypeCase)
        {
            case PacketReplicationEngineEntry.TypeOneofCase.MulticastGroupEntry:
                var groupId = filter.MulticastGroupEntry.MulticastGroupId;
                foreach (var (id, replicas) in pre.MulticastGroups.Where(g => groupId == 0 || g.Key == groupId).OrderBy(g => g.Key))
                {
                    var group = new MulticastGroupEntry { MulticastGroupId = id };
                    group.Replicas.Add(replicas.Select(ToP4));
                    yield return Wrap(new PacketReplicationEngineEntry { MulticastGroupEntry = group });
                }
                break;
            case PacketReplicationEngineEntry.TypeOneofCase.CloneSessionEntry:
                var sessionId = filter.CloneSessionEntry.SessionId;
                foreach (var (id, session) in pre.CloneSessions.Where(s => sessionId == 0 || s.Key == sessionId).OrderBy(s => s.Key))
                {
                    var entry = new CloneSessionEntry { SessionId = id, PacketLengthBytes = session.PacketLengthBytes };
                    entry.Replicas.Add(session.Replicas.Select(ToP4));
                    yield return Wrap(new PacketReplicationEngineEntry { CloneSessionEntry = entry });
                }
                break;
            default:
                throw P4Error.InvalidArgument("read a multicast_group_entry or a clone_session_entry");
        }
    }

    private static P4.V1.Replica ToP4(Replica replica) => replica.WrittenAsEgressPort
        ? new() { EgressPort = replica.Port, Instance = replica.Instance }
        : new() { Port = Values.Canonical(replica.Port), Instance = replica.Instance };

    private static Entity Wrap(PacketReplicationEngineEntry entry) => new() { PacketReplicationEngineEntry = entry };
}
