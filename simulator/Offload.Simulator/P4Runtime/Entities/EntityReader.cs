using Google.Protobuf;
using System.Diagnostics;
using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Tables;
using P4.V1;
using Index = P4.V1.Index;

namespace Offload.Simulator.P4Runtime.Entities;

/// <summary>Answers one Read filter with every matching entity, wildcards as the spec defines them.</summary>
internal static class EntityReader
{
    public static IEnumerable<Entity> Read(DeviceState device, Entity filter) => filter.EntityCase switch
    {
        Entity.EntityOneofCase.TableEntry => ReadTables(device, filter.TableEntry).Select(e => new Entity { TableEntry = e }),
        Entity.EntityOneofCase.ActionProfileMember => ReadMembers(device, filter.ActionProfileMember),
        Entity.EntityOneofCase.ActionProfileGroup => ReadGroups(device, filter.ActionProfileGroup),
        Entity.EntityOneofCase.CounterEntry => ReadCounters(device, filter.CounterEntry),
        Entity.EntityOneofCase.DirectCounterEntry => ReadDirectCounters(device, filter.DirectCounterEntry),
        Entity.EntityOneofCase.MeterEntry => ReadMeters(device, filter.MeterEntry),
        Entity.EntityOneofCase.DigestEntry => ReadDigests(device, filter.DigestEntry),
        Entity.EntityOneofCase.PacketReplicationEngineEntry => ReplicationReader.Read(device.Replication, filter.PacketReplicationEngineEntry),
        Entity.EntityOneofCase.None => throw P4Error.InvalidArgument("every entity of a ReadRequest must be set"),
        _ => throw P4Error.Unimplemented($"{filter.EntityCase} entities are not supported (as on BMv2)"),
    };

    private static IEnumerable<TableEntry> ReadTables(DeviceState device, TableEntry filter)
    {
        IEnumerable<TableStore> tables;
        if (filter.TableId == 0)
        {
            if (filter.Match.Count > 0 || filter.Action is not null || filter.Priority != 0 || filter.IsDefaultAction)
                throw P4Error.InvalidArgument("a table_id 0 read takes no other filter");
            tables = device.Tables.Values;
        }
        else if (device.Tables.TryGetValue(filter.TableId, out var table))
            tables = [table];
        else
            throw P4Error.InvalidArgument($"unknown table id {filter.TableId}");
        var withCounters = filter.CounterData is not null;
        var withTime = filter.TimeSinceLastHit is not null;
        foreach (var table in tables)
        {
            if (filter.IsDefaultAction)
            {
                yield return new TableEntry
                {
                    TableId = table.Schema.Id,
                    IsDefaultAction = true,
                    Action = new TableAction { Action = ActionTranslator.ToP4(device.Schema, table.DefaultAction) },
                };
                continue;
            }
            IEnumerable<(EntryKey Key, TableEntryState Entry)> entries = table.Entries;
            if (filter.Match.Count > 0)
            {
                var key = MatchTranslator.FromP4(table.Schema, filter);
                entries = table.Find(key) is { } found ? [(key, found)] : [];
            }
            foreach (var (key, entry) in entries)
            {
                if (filter.Priority != 0 && key.Priority != filter.Priority)
                    continue;
                if (filter.Action?.Action is { } action && entry.Action?.ActionId != action.ActionId)
                    continue;
                yield return ToP4(device, table, key, entry, withCounters, withTime);
            }
        }
    }

    public static TableEntry ToP4(DeviceState device, TableStore table, EntryKey key, TableEntryState entry, bool withCounters, bool withTime)
    {
        var extras = table.ExtrasOf(entry);
        var result = new TableEntry { TableId = table.Schema.Id, IdleTimeoutNs = entry.IdleTimeoutNs, Metadata = extras?.Metadata ?? ByteString.Empty };
        MatchTranslator.ToP4(table.Schema, key, result);
        result.Action = new TableAction();
        if (entry.Action is not null)
            result.Action.Action = ActionTranslator.ToP4(device.Schema, entry.Action);
        else if (extras?.Indirect is { MemberId: not 0 } member)
            result.Action.ActionProfileMemberId = member.MemberId;
        else if (extras?.Indirect is { GroupId: not 0 } group)
            result.Action.ActionProfileGroupId = group.GroupId;
        else if (extras?.Indirect?.ActionSet is { } set)
        {
            result.Action.ActionProfileActionSet = new ActionProfileActionSet();
            foreach (var (call, weight, watchPort) in set.Actions)
            {
                var a = new ActionProfileAction { Action = ActionTranslator.ToP4(device.Schema, call), Weight = weight };
                if (watchPort != 0)
                    a.WatchPort = Values.Canonical(watchPort);
                result.Action.ActionProfileActionSet.ActionProfileActions.Add(a);
            }
        }
        if (withCounters && table.Schema.DirectCounterId != 0)
            result.CounterData = new CounterData { PacketCount = entry.Packets, ByteCount = entry.Bytes };
        if (withTime && table.Schema.SupportsIdleTimeout)
            result.TimeSinceLastHit = new TableEntry.Types.IdleTimeout
            {
                ElapsedNs = (long)((Stopwatch.GetTimestamp() - entry.LastHitTimestamp) * (1e9 / Stopwatch.Frequency)),
            };
        return result;
    }

    private static IEnumerable<Entity> ReadMembers(DeviceState device, ActionProfileMember filter)
    {
        foreach (var profile in device.ActionProfiles.Values.Where(p => filter.ActionProfileId == 0 || p.Schema.Id == filter.ActionProfileId))
        {
            foreach (var (id, action) in profile.Members.Where(m => filter.MemberId == 0 || m.Id == filter.MemberId))
                yield return new Entity
                {
                    ActionProfileMember = new ActionProfileMember
                    {
                        ActionProfileId = profile.Schema.Id, MemberId = id, Action = ActionTranslator.ToP4(device.Schema, action),
                    },
                };
        }
    }

    private static IEnumerable<Entity> ReadGroups(DeviceState device, ActionProfileGroup filter)
    {
        foreach (var profile in device.ActionProfiles.Values.Where(p => filter.ActionProfileId == 0 || p.Schema.Id == filter.ActionProfileId))
        {
            foreach (var (id, members, maxSize) in profile.Groups.Where(g => filter.GroupId == 0 || g.Id == filter.GroupId))
            {
                var group = new ActionProfileGroup { ActionProfileId = profile.Schema.Id, GroupId = id, MaxSize = maxSize };
                foreach (var m in members)
                {
                    var member = new ActionProfileGroup.Types.Member { MemberId = m.MemberId, Weight = m.Weight };
                    if (m.WatchPort != 0)
                        member.WatchPort = Values.Canonical(m.WatchPort);
                    group.Members.Add(member);
                }
                yield return new Entity { ActionProfileGroup = group };
            }
        }
    }

    private static IEnumerable<Entity> ReadCounters(DeviceState device, CounterEntry filter)
    {
        if (filter.CounterId != 0 && !device.Counters.ContainsKey(filter.CounterId))
            throw P4Error.InvalidArgument($"unknown counter id {filter.CounterId}");
        foreach (var counter in device.Counters.Values.Where(c => filter.CounterId == 0 || c.Id == filter.CounterId))
        {
            var (from, to) = Cells(filter.Index, counter.Size, counter.ShortName);
            for (var i = from; i < to; i++)
            {
                var (packets, bytes) = counter.Read(i);
                yield return new Entity
                {
                    CounterEntry = new CounterEntry
                    {
                        CounterId = counter.Id, Index = new Index { Index_ = i }, Data = new CounterData { PacketCount = packets, ByteCount = bytes },
                    },
                };
            }
        }
    }

    private static IEnumerable<Entity> ReadDirectCounters(DeviceState device, DirectCounterEntry filter)
    {
        var tableFilter = filter.TableEntry ?? new TableEntry();
        foreach (var entry in ReadTables(device, tableFilter))
        {
            if (!device.Tables.TryGetValue(entry.TableId, out var table) || table.Schema.DirectCounterId == 0 || entry.IsDefaultAction)
                continue;
            var state = table.Find(MatchTranslator.FromP4(table.Schema, entry))!;
            var key = new TableEntry { TableId = entry.TableId, Priority = entry.Priority };
            key.Match.Add(entry.Match);
            yield return new Entity
            {
                DirectCounterEntry = new DirectCounterEntry
                {
                    TableEntry = key, Data = new CounterData { PacketCount = state.Packets, ByteCount = state.Bytes },
                },
            };
        }
    }

    private static IEnumerable<Entity> ReadMeters(DeviceState device, MeterEntry filter)
    {
        if (filter.MeterId != 0 && !device.Meters.ContainsKey(filter.MeterId))
            throw P4Error.InvalidArgument($"unknown meter id {filter.MeterId}");
        foreach (var meter in device.Meters.Values.Where(m => filter.MeterId == 0 || m.Id == filter.MeterId))
        {
            var (from, to) = Cells(filter.Index, meter.Size, meter.ShortName);
            for (var i = from; i < to; i++)
            {
                var entry = new MeterEntry { MeterId = meter.Id, Index = new Index { Index_ = i } };
                if (meter.Read(i) is { } rates)
                    entry.Config = new MeterConfig { Cir = rates.Cir, Cburst = rates.Cburst, Pir = rates.Pir, Pburst = rates.Pburst };
                yield return new Entity { MeterEntry = entry };
            }
        }
    }

    /// <summary>The cells a read names: one index, or every cell when the index is unset.</summary>
    private static (long From, long To) Cells(Index? index, long size, string name)
    {
        if (index is null)
            return (0, size);
        if (index.Index_ < 0 || index.Index_ >= size)
            throw P4Error.OutOfRange($"{name}: index {index.Index_} is outside 0..{size - 1}");
        return (index.Index_, index.Index_ + 1);
    }

    private static IEnumerable<Entity> ReadDigests(DeviceState device, DigestEntry filter)
    {
        foreach (var (id, config) in device.Digests.Configs.Where(c => filter.DigestId == 0 || c.Key == filter.DigestId))
            yield return new Entity
            {
                DigestEntry = new DigestEntry
                {
                    DigestId = id,
                    Config = new DigestEntry.Types.Config { MaxTimeoutNs = config.MaxTimeoutNs, MaxListSize = config.MaxListSize, AckTimeoutNs = config.AckTimeoutNs },
                },
            };
    }
}
