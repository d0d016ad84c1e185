#pragma warning disable CS0612 // deprecated fields (watch, egress_port) are still accepted, as BMv2 accepts them
using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.ActionProfiles;
using Offload.Simulator.Runtime.Tables;
using P4.V1;

namespace Offload.Simulator.P4Runtime.Entities;

/// <summary>INSERT, MODIFY and DELETE of table entries, default entries included.</summary>
internal static class TableEntryWriter
{
    public static void Write(DeviceState device, Update.Types.Type type, TableEntry entry)
    {
        if (!device.Tables.TryGetValue(entry.TableId, out var table))
            throw P4Error.InvalidArgument(entry.TableId == 0 ? "table_id 0 is only a read wildcard" : $"unknown table id {entry.TableId}");
        if (entry.IsConst)
            throw P4Error.InvalidArgument("is_const is read-only");
        if (entry.MeterConfig is not null || entry.MeterCounterData is not null)
            throw P4Error.InvalidArgument($"{table.Schema.ShortName} has no direct meter");
        if (entry.IsDefaultAction)
        {
            WriteDefault(device, type, table, entry);
            return;
        }
        var key = MatchTranslator.FromP4(table.Schema, entry);
        switch (type)
        {
            case Update.Types.Type.Insert:
                if (entry.Action is null)
                    throw P4Error.InvalidArgument($"{table.Schema.ShortName}: INSERT needs an action");
                var added = new TableEntryState();
                SetAction(device, table, added, entry);
                SetResources(table, added, entry);
                table.Insert(key, added);
                Reference(device, table, added, +1);
                break;
            case Update.Types.Type.Modify:
                var existing = table.Find(key) ?? throw P4Error.NotFound($"{table.Schema.ShortName}: no entry with this key");
                if (entry.Action is not null)
                {
                    var replacement = new TableEntryState();
                    SetAction(device, table, replacement, entry);
                    Reference(device, table, existing, -1);
                    table.ReplaceAction(existing, replacement.Action);
                    existing.SetIndirect(replacement.MemberId, replacement.GroupId, replacement.ActionSet);
                    Reference(device, table, existing, +1);
                }
                SetResources(table, existing, entry);
                break;
            case Update.Types.Type.Delete:
                var removed = table.Delete(key);
                Reference(device, table, removed, -1);
                break;
            default:
                throw P4Error.InvalidArgument($"invalid update type {type}");
        }
    }

    private static void WriteDefault(DeviceState device, Update.Types.Type type, TableStore table, TableEntry entry)
    {
        var schema = table.Schema;
        if (type != Update.Types.Type.Modify)
            throw P4Error.InvalidArgument($"{schema.ShortName}: the default entry can only be modified");
        if (entry.Match.Count > 0 || entry.Priority != 0)
            throw P4Error.InvalidArgument($"{schema.ShortName}: the default entry has no match and no priority");
        if (entry.IdleTimeoutNs != 0)
            throw P4Error.InvalidArgument($"{schema.ShortName}: the default entry cannot have an idle timeout");
        if (schema.ConstDefaultActionId != 0)
            throw P4Error.PermissionDenied($"{schema.ShortName}: the default action is const");
        if (schema.IsIndirect)
            throw P4Error.PermissionDenied($"{schema.ShortName} is indirect: its default action is NoAction and cannot change");
        if (entry.Action is null)
        {
            table.DefaultAction = schema.InitialDefault;
            return;
        }
        if (entry.Action.TypeCase != TableAction.TypeOneofCase.Action)
            throw P4Error.InvalidArgument($"{schema.ShortName}: a default entry takes a direct action");
        table.DefaultAction = ActionTranslator.FromP4(device.Schema, entry.Action.Action, schema, asDefault: true);
    }

    private static void SetAction(DeviceState device, TableStore table, TableEntryState target, TableEntry entry)
    {
        var schema = table.Schema;
        var action = entry.Action;
        if (!schema.IsIndirect)
        {
            if (action.TypeCase != TableAction.TypeOneofCase.Action)
                throw P4Error.InvalidArgument($"{schema.ShortName} is a direct table: use action, not {action.TypeCase}");
            target.Action = ActionTranslator.FromP4(device.Schema, action.Action, schema, asDefault: false);
            return;
        }
        var profile = device.ActionProfiles[schema.ActionProfileId];
        switch (action.TypeCase)
        {
            case TableAction.TypeOneofCase.ActionProfileMemberId:
                if (!profile.TryGetMember(action.ActionProfileMemberId, out _))
                    throw P4Error.NotFound($"{profile.Schema.ShortName}: no member {action.ActionProfileMemberId}");
                target.SetIndirect(action.ActionProfileMemberId, 0, null);
                break;
            case TableAction.TypeOneofCase.ActionProfileGroupId:
                if (!profile.Schema.WithSelector)
                    throw P4Error.InvalidArgument($"{profile.Schema.ShortName} is not a selector: it has no groups");
                if (!profile.HasGroup(action.ActionProfileGroupId))
                    throw P4Error.NotFound($"{profile.Schema.ShortName}: no group {action.ActionProfileGroupId}");
                target.SetIndirect(0, action.ActionProfileGroupId, null);
                break;
            case TableAction.TypeOneofCase.ActionProfileActionSet:
                target.SetIndirect(0, 0, ActionSet(device, table, profile, action.ActionProfileActionSet));
                break;
            default:
                throw P4Error.InvalidArgument($"{schema.ShortName} is an indirect table: use a member, a group or an action set");
        }
    }

    private static ActionSetState ActionSet(DeviceState device, TableStore table, ActionProfileStore profile, ActionProfileActionSet set)
    {
        if (set.ActionProfileActions.Count == 0)
            throw P4Error.InvalidArgument($"{table.Schema.ShortName}: an empty action set");
        if (!profile.Schema.WithSelector && set.ActionProfileActions.Count > 1)
            throw P4Error.InvalidArgument($"{profile.Schema.ShortName} is not a selector: an action set holds one action");
        if (profile.Schema.MaxGroupSize > 0 && set.ActionProfileActions.Count > profile.Schema.MaxGroupSize)
            throw P4Error.ResourceExhausted($"{profile.Schema.ShortName}: {set.ActionProfileActions.Count} actions exceed max_group_size {profile.Schema.MaxGroupSize}");
        var actions = new List<(ActionCall, int, uint)>();
        foreach (var a in set.ActionProfileActions)
        {
            if (a.Weight <= 0)
                throw P4Error.InvalidArgument($"{profile.Schema.ShortName}: weight {a.Weight} must be positive");
            var call = ActionTranslator.FromP4(device.Schema, a.Action, table.Schema, asDefault: false);
            actions.Add((call, a.Weight, WatchPort(a.WatchKindCase == ActionProfileAction.WatchKindOneofCase.WatchPort ? a.WatchPort : null, a.Watch)));
        }
        return new ActionSetState(actions);
    }

    public static uint WatchPort(Google.Protobuf.ByteString? watchPort, int watch)
    {
        if (watchPort is { Length: > 0 })
        {
            var port = Values.Parse(watchPort, 32, "watch_port");
            return port == 0 ? throw P4Error.InvalidArgument("watch_port 0 is not a port") : (uint)port;
        }
        return watch > 0 ? (uint)watch : 0;
    }

    private static void SetResources(TableStore table, TableEntryState target, TableEntry entry)
    {
        var schema = table.Schema;
        if (entry.IdleTimeoutNs < 0)
            throw P4Error.InvalidArgument($"{schema.ShortName}: idle_timeout_ns {entry.IdleTimeoutNs} is negative");
        if (entry.IdleTimeoutNs != 0 && !schema.SupportsIdleTimeout)
            throw P4Error.InvalidArgument($"{schema.ShortName} does not support idle timeouts");
        if (entry.CounterData is not null && schema.DirectCounterId == 0)
            throw P4Error.InvalidArgument($"{schema.ShortName} has no direct counter");
        target.IdleTimeoutNs = entry.IdleTimeoutNs;
        target.SetMetadata(entry.Metadata);
        if (entry.CounterData is { } data)
        {
            target.Packets = data.PacketCount;
            target.Bytes = data.ByteCount;
        }
        target.LastHitTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    private static void Reference(DeviceState device, TableStore table, TableEntryState entry, int delta)
    {
        if (table.Schema.IsIndirect)
            device.ActionProfiles[table.Schema.ActionProfileId].ReferenceFromEntry(entry.MemberId, entry.GroupId, delta);
    }
}
