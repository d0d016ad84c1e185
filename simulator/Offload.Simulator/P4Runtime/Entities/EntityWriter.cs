#pragma warning disable CS0612 // deprecated fields (watch, egress_port) are still accepted, as BMv2 accepts them
using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.ActionProfiles;
using Offload.Simulator.Runtime.Externs;
using Offload.Simulator.Runtime.Replication;
using P4.V1;
using UpdateType = P4.V1.Update.Types.Type;

namespace Offload.Simulator.P4Runtime.Entities;

/// <summary>Applies one Write update to the device; a refused update throws <see cref="P4Error"/>.</summary>
internal static class EntityWriter
{
    public static void Apply(DeviceState device, Update update)
    {
        if (update.Type == UpdateType.Unspecified)
            throw P4Error.InvalidArgument("update type UNSPECIFIED");
        var entity = update.Entity ?? throw P4Error.InvalidArgument("update without an entity");
        switch (entity.EntityCase)
        {
            case Entity.EntityOneofCase.TableEntry:
                TableEntryWriter.Write(device, update.Type, entity.TableEntry);
                break;
            case Entity.EntityOneofCase.ActionProfileMember:
                WriteMember(device, update.Type, entity.ActionProfileMember);
                break;
            case Entity.EntityOneofCase.ActionProfileGroup:
                WriteGroup(device, update.Type, entity.ActionProfileGroup);
                break;
            case Entity.EntityOneofCase.CounterEntry:
                WriteCounter(device, update.Type, entity.CounterEntry);
                break;
            case Entity.EntityOneofCase.DirectCounterEntry:
                WriteDirectCounter(device, update.Type, entity.DirectCounterEntry);
                break;
            case Entity.EntityOneofCase.MeterEntry:
                WriteMeter(device, update.Type, entity.MeterEntry);
                break;
            case Entity.EntityOneofCase.DigestEntry:
                WriteDigest(device, update.Type, entity.DigestEntry);
                break;
            case Entity.EntityOneofCase.PacketReplicationEngineEntry:
                ReplicationWriter.Write(device.Replication, update.Type, entity.PacketReplicationEngineEntry);
                break;
            case Entity.EntityOneofCase.None:
                throw P4Error.InvalidArgument("update without an entity");
            default:
                throw P4Error.Unimplemented($"{entity.EntityCase} entities are not supported (as on BMv2)");
        }
    }

    private static ActionProfileStore Profile(DeviceState device, uint id) =>
        device.ActionProfiles.TryGetValue(id, out var profile)
            ? profile
            : throw P4Error.InvalidArgument($"unknown action profile id {id}");

    private static void WriteMember(DeviceState device, UpdateType type, ActionProfileMember member)
    {
        var profile = Profile(device, member.ActionProfileId);
        if (member.MemberId == 0)
            throw P4Error.InvalidArgument("member_id 0 is only a read wildcard");
        if (type == UpdateType.Delete)
        {
            profile.DeleteMember(member.MemberId);
            return;
        }
        if (member.Action is null)
            throw P4Error.InvalidArgument($"{profile.Schema.ShortName}: member {member.MemberId} needs an action");
        var table = device.Schema.Tables[profile.Schema.TableIds.First()];
        var call = ActionTranslator.FromP4(device.Schema, member.Action, table, asDefault: false);
        if (type == UpdateType.Insert)
            profile.InsertMember(member.MemberId, call);
        else
            profile.ModifyMember(member.MemberId, call);
    }

    private static void WriteGroup(DeviceState device, UpdateType type, ActionProfileGroup group)
    {
        var profile = Profile(device, group.ActionProfileId);
        if (!profile.Schema.WithSelector)
            throw P4Error.InvalidArgument($"{profile.Schema.ShortName} is not a selector: it has no groups");
        if (group.GroupId == 0)
            throw P4Error.InvalidArgument("group_id 0 is only a read wildcard");
        if (type == UpdateType.Delete)
        {
            profile.DeleteGroup(group.GroupId);
            return;
        }
        var members = group.Members.Select(m =>
        {
            var weight = profile.Schema.WeightsDisallowed ? (m.Weight is 0 or 1 ? 1 : throw P4Error.InvalidArgument($"{profile.Schema.ShortName} disallows weights"))
                : m.Weight > 0 ? m.Weight : throw P4Error.InvalidArgument($"{profile.Schema.ShortName}: member {m.MemberId} weight {m.Weight} must be positive");
            return new GroupMember(m.MemberId, weight,
                TableEntryWriter.WatchPort(m.WatchKindCase == ActionProfileGroup.Types.Member.WatchKindOneofCase.WatchPort ? m.WatchPort : null, m.Watch));
        }).ToList();
        if (group.MaxSize < 0)
            throw P4Error.InvalidArgument($"{profile.Schema.ShortName}: max_size {group.MaxSize} is negative");
        if (type == UpdateType.Insert)
            profile.InsertGroup(group.GroupId, members, group.MaxSize);
        else
            profile.ModifyGroup(group.GroupId, members, group.MaxSize);
    }

    private static void WriteCounter(DeviceState device, UpdateType type, CounterEntry entry)
    {
        if (type != UpdateType.Modify)
            throw P4Error.InvalidArgument("counter cells can only be modified");
        if (!device.Counters.TryGetValue(entry.CounterId, out var counter))
            throw P4Error.InvalidArgument($"unknown counter id {entry.CounterId}");
        var index = entry.Index?.Index_ ?? throw P4Error.InvalidArgument($"{counter.ShortName}: a write needs an index");
        if (index < 0 || index >= counter.Size)
            throw P4Error.OutOfRange($"{counter.ShortName}: index {index} is outside 0..{counter.Size - 1}");
        counter.Write(index, entry.Data?.PacketCount ?? 0, entry.Data?.ByteCount ?? 0);
    }

    private static void WriteDirectCounter(DeviceState device, UpdateType type, DirectCounterEntry entry)
    {
        if (type != UpdateType.Modify)
            throw P4Error.InvalidArgument("direct counters can only be modified");
        var key = entry.TableEntry ?? throw P4Error.InvalidArgument("a direct counter entry names its table entry");
        if (!device.Tables.TryGetValue(key.TableId, out var table))
            throw P4Error.InvalidArgument($"unknown table id {key.TableId}");
        if (table.Schema.DirectCounterId == 0)
            throw P4Error.InvalidArgument($"{table.Schema.ShortName} has no direct counter");
        var found = table.Find(MatchTranslator.FromP4(table.Schema, key)) ?? throw P4Error.NotFound($"{table.Schema.ShortName}: no entry with this key");
        found.Packets = entry.Data?.PacketCount ?? 0;
        found.Bytes = entry.Data?.ByteCount ?? 0;
    }

    private static void WriteMeter(DeviceState device, UpdateType type, MeterEntry entry)
    {
        if (type != UpdateType.Modify)
            throw P4Error.InvalidArgument("meter cells can only be modified");
        if (!device.Meters.TryGetValue(entry.MeterId, out var meter))
            throw P4Error.InvalidArgument($"unknown meter id {entry.MeterId}");
        var index = entry.Index?.Index_ ?? throw P4Error.InvalidArgument($"{meter.ShortName}: a write needs an index");
        if (index < 0 || index >= meter.Size)
            throw P4Error.OutOfRange($"{meter.ShortName}: index {index} is outside 0..{meter.Size - 1}");
        if (entry.Config is not { } config)
        {
            meter.Configure(index, null);
            return;
        }
        if (config.Cir < 0 || config.Pir < 0 || config.Cburst < 0 || config.Pburst < 0)
            throw P4Error.InvalidArgument($"{meter.ShortName}: rates and bursts cannot be negative");
        if (config.Cir > config.Pir)
            throw P4Error.InvalidArgument($"{meter.ShortName}: cir {config.Cir} exceeds pir {config.Pir}");
        meter.Configure(index, new MeterRates(config.Cir, config.Cburst, config.Pir, config.Pburst));
    }

    private static void WriteDigest(DeviceState device, UpdateType type, DigestEntry entry)
    {
        if (!device.Schema.Digests.ContainsKey(entry.DigestId))
            throw P4Error.InvalidArgument($"unknown digest id {entry.DigestId}");
        var configs = device.Digests.Configs;
        switch (type)
        {
            case UpdateType.Insert when configs.ContainsKey(entry.DigestId):
                throw P4Error.AlreadyExists($"digest {entry.DigestId} is already configured; use MODIFY");
            case UpdateType.Modify when !configs.ContainsKey(entry.DigestId):
            case UpdateType.Delete when !configs.ContainsKey(entry.DigestId):
                throw P4Error.NotFound($"digest {entry.DigestId} is not configured");
            case UpdateType.Delete:
                device.Digests.Remove(entry.DigestId);
                return;
        }
        var config = entry.Config ?? throw P4Error.InvalidArgument("a digest entry needs a config");
        if (config.MaxTimeoutNs < 0 || config.MaxListSize < 0 || config.AckTimeoutNs < 0)
            throw P4Error.InvalidArgument("digest config values cannot be negative");
        configs[entry.DigestId] = new DigestConfig(config.MaxTimeoutNs, config.MaxListSize, config.AckTimeoutNs);
    }
}
