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
            {
                if (entry.Action is null)
                    throw P4Error.InvalidArgument($"{table.Schema.ShortName}: INSERT needs an action");
                var (direct, indirect) = ResolveAction(device, table, entry);
                var added = new TableEntryState { Action = direct };
                SetResources(table, added, entry);
                table.Insert(key, added);
                table.SetExtras(added, indirect, entry.Metadata);
                Reference(device, table, indirect, +1);
                break;
            }
            case Update.Types.Type.Modify:
            {
                var existing = table.Find(key) ?? throw P4Error.NotFound($"{table.Schema.ShortName}: no entry with this key");
                var indirect = table.ExtrasOf(existing)?.Indirect;
                if (entry.Action is not null)
                {
                    var (direct, replacement) = ResolveAction(device, table, entry);
                    Reference(device, table, indirect, -1);
                    table.ReplaceAction(existing, direct);
                    indirect = replacement;
                    Reference(device, table, indirect, +1);
                }
                SetResources(table, existing, entry);
                table.SetExtras(existing, indirect, entry.Metadata);
                break;
            }
            case Update.Types.Type.Delete:
            {
                var existing = table.Find(key) ?? throw P4Error.NotFound($"{table.Schema.ShortName}: no entry with this key");
                Reference(device, table, table.ExtrasOf(existing)?.Indirect, -1);
                table.Delete(key);
                break;
            }
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

    private static (ActionCall? Direct, IndirectAction? Indirect) ResolveAction(DeviceState device, TableStore table, TableEntry entry)
    {
        var schema = table.Schema;
        var action = entry.Action;
        if (!schema.IsIndirect)
        {
            if (action.TypeCase != TableAction.TypeOneofCase.Action)
                throw P4Error.InvalidArgument($"{schema.ShortName} is a direct table: use action, not {action.TypeCase}");
            return (ActionTranslator.FromP4(device.Schema, action.Action, schema, asDefault: false), null);
        }
        var profile = device.ActionProfiles[schema.ActionProfileId];
        switch (action.TypeCase)
        {
            case TableAction.TypeOneofCase.ActionProfileMemberId:
                if (!profile.TryGetMember(action.ActionProfileMemberId, out _))
                    throw P4Error.NotFound($"{profile.Schema.ShortName}: no member {action.ActionProfileMemberId}");
                return (null, new IndirectAction(action.ActionProfileMemberId, 0, null));
            case TableAction.TypeOneofCase.ActionProfileGroupId:
                if (!profile.Schema.WithSelector)
                    throw P4Error.InvalidArgument($"{profile.Schema.ShortName} is not a selector: it has no groups");
                if (!profile.HasGroup(action.ActionProfileGroupId))
                    throw P4Error.NotFound($"{profile.Schema.ShortName}: no group {action.ActionProfileGroupId}");
                return (null, new IndirectAction(0, action.ActionProfileGroupId, null));
            case TableAction.TypeOneofCase.ActionProfileActionSet:
                return (null, new IndirectAction(0, 0, ActionSet(device, table, profile, action.ActionProfileActionSet)));
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
        if (entry.CounterData is { } data)
        {
            target.Packets = data.PacketCount;
            target.Bytes = data.ByteCount;
        }
        target.LastHitTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    private static void Reference(DeviceState device, TableStore table, IndirectAction? indirect, int delta)
    {
        if (indirect is not null)
            device.ActionProfiles[table.Schema.ActionProfileId].ReferenceFromEntry(indirect.MemberId, indirect.GroupId, delta);
    }
}
