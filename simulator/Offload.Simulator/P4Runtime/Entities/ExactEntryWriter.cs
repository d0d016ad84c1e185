using System.Diagnostics;
using Offload.P4Runtime.Wire;
using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Schema;
using Offload.Simulator.Runtime.Tables;
using P4.Config.V1;

namespace Offload.Simulator.P4Runtime.Entities;

/// <summary>
/// The hot path of a Write: INSERT or DELETE of an entry of an exact-match, direct-action table (a connection pinned
/// or unpinned), applied straight from the update's wire bytes without building messages. It takes only updates it
/// reads completely and <see cref="TableEntryWriter"/> would accept, and then changes the table exactly as that does;
/// for any other update it changes nothing and says false, and the caller parses the update and goes the general
/// way, which also words any error.
/// </summary>
internal static class ExactEntryWriter
{
    private const int Insert = 1, Delete = 3;
    private const int MaxFields = 64, MaxParams = 16; // wider actions go the general way

    /// <summary>Applies the update if this path takes it; false, and nothing changed, if not.</summary>
    public static bool TryWrite(DeviceState device, ReadOnlySpan<byte> update) => Write(device, update, apply: true);

    /// <summary>Whether this path reads the update completely, as far as the pipeline alone decides (not the entries).</summary>
    public static bool CanRead(DeviceState device, ReadOnlySpan<byte> update) => Write(device, update, apply: false);

    private static bool Write(DeviceState device, ReadOnlySpan<byte> update, bool apply)
    {
        if (!TryReadUpdate(update, out var type, out var encodedEntry) || type is not (Insert or Delete))
            return false;
        if (!TryReadEntry(encodedEntry, out var tableId, out var encodedAction, out var hasAction, out var idleTimeoutNs))
            return false;
        if (!device.Tables.TryGetValue(tableId, out var table) || !table.IsExactOnly || table.Schema.IsIndirect
            || table.Schema.Fields.Count > MaxFields)
            return false;
        Span<UInt128> key = stackalloc UInt128[table.Schema.Fields.Count];
        if (!TryReadKey(table.Schema, encodedEntry, key))
            return false;
        uint actionId = 0;
        Span<UInt128> args = stackalloc UInt128[MaxParams];
        var argCount = 0;
        if (hasAction && !TryReadAction(table.Schema, encodedAction, out actionId, args, out argCount))
            return false;
        if (type == Insert && (!hasAction || idleTimeoutNs < 0 || idleTimeoutNs != 0 && !table.Schema.SupportsIdleTimeout))
            return false;
        if (!apply)
            return true;
        if (type == Delete)
        {
            if (table.FindExact(key) is null)
                return false;
            table.DeleteExact(key);
            return true;
        }
        var action = new ActionCall(actionId, argCount == 0 ? ActionCall.NoArgs : args[..argCount].ToArray());
        table.InsertExact(key, new TableEntryState { Action = action, IdleTimeoutNs = idleTimeoutNs, LastHitTimestamp = Stopwatch.GetTimestamp() });
        return true;
    }

    // Update { type = 1; entity = 2 }, Entity { table_entry = 2 }: anything else is for the general path.
    private static bool TryReadUpdate(ReadOnlySpan<byte> update, out ulong type, out ReadOnlySpan<byte> entry)
    {
        type = 0;
        entry = default;
        var reader = new WireReader(update);
        var entity = default(ReadOnlySpan<byte>);
        bool seenType = false, seenEntity = false;
        while (!reader.AtEnd)
        {
            if (!reader.TryReadTag(out var field, out var wire))
                return false;
            var ok = field switch
            {
                1 when !seenType => seenType = reader.TryReadVarint(wire, out type),
                2 when !seenEntity => seenEntity = reader.TryReadLengthDelimited(wire, out entity),
                _ => false,
            };
            if (!ok)
                return false;
        }
        if (!seenEntity)
            return false;
        var inner = new WireReader(entity);
        return inner.TryReadTag(out var entityField, out var entityWire) && entityField == 2
            && inner.TryReadLengthDelimited(entityWire, out entry) && inner.AtEnd;
    }

    // TableEntry { table_id = 1; match = 2 (read by TryReadKey); action = 3; priority = 4 (0 here); is_default_action = 8 (false); idle_timeout_ns = 9 }
    private static bool TryReadEntry(ReadOnlySpan<byte> entry, out uint tableId, out ReadOnlySpan<byte> action, out bool hasAction, out long idleTimeoutNs)
    {
        tableId = 0;
        action = default;
        hasAction = false;
        idleTimeoutNs = 0;
        bool seenTable = false, seenPriority = false, seenDefault = false, seenIdle = false;
        var reader = new WireReader(entry);
        while (!reader.AtEnd)
        {
            if (!reader.TryReadTag(out var field, out var wire))
                return false;
            ulong value;
            bool ok;
            switch (field)
            {
                case 1 when !seenTable:
                    ok = seenTable = reader.TryReadVarint(wire, out value) && value <= uint.MaxValue;
                    tableId = (uint)value;
                    break;
                case 2:
                    ok = reader.TryReadLengthDelimited(wire, out _);
                    break;
                case 3 when !hasAction:
                    ok = hasAction = reader.TryReadLengthDelimited(wire, out action);
                    break;
                case 4 when !seenPriority:
                    ok = seenPriority = reader.TryReadVarint(wire, out value) && value == 0;
                    break;
                case 8 when !seenDefault:
                    ok = seenDefault = reader.TryReadVarint(wire, out value) && value == 0;
                    break;
                case 9 when !seenIdle:
                    ok = seenIdle = reader.TryReadVarint(wire, out value);
                    idleTimeoutNs = (long)value;
                    break;
                default:
                    ok = false;
                    break;
            }
            if (!ok)
                return false;
        }
        return seenTable;
    }

    // Each match is FieldMatch { field_id = 1; exact = 2 { value = 1 } }, every field of the table given once.
    private static bool TryReadKey(TableSchema table, ReadOnlySpan<byte> entry, Span<UInt128> key)
    {
        var given = 0UL;
        var reader = new WireReader(entry);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field != 2)
            {
                Skip(ref reader, wire);
                continue;
            }
            if (!reader.TryReadLengthDelimited(wire, out var match) || !TryReadExactMatch(match, out var fieldId, out var value))
                return false;
            var index = Numbered.IndexOf(table.Fields, fieldId);
            if (index < 0 || (given & (1UL << index)) != 0 || !Values.TryParse(value, table.Fields[index].Width, out key[index]))
                return false;
            given |= 1UL << index;
        }
        return given == AllOf(table.Fields.Count);
    }

    private static bool TryReadExactMatch(ReadOnlySpan<byte> match, out uint fieldId, out ReadOnlySpan<byte> value)
    {
        fieldId = 0;
        value = default;
        var exact = default(ReadOnlySpan<byte>);
        bool seenId = false, seenExact = false;
        var reader = new WireReader(match);
        while (!reader.AtEnd)
        {
            if (!reader.TryReadTag(out var field, out var wire))
                return false;
            ulong id = 0;
            var ok = field switch
            {
                1 when !seenId => seenId = reader.TryReadVarint(wire, out id) && id is > 0 and <= uint.MaxValue,
                2 when !seenExact => seenExact = reader.TryReadLengthDelimited(wire, out exact),
                _ => false,
            };
            if (!ok)
                return false;
            if (field == 1)
                fieldId = (uint)id;
        }
        var inner = new WireReader(exact);
        return seenId && seenExact && inner.TryReadTag(out var valueField, out var valueWire) && valueField == 1
            && inner.TryReadLengthDelimited(valueWire, out value) && inner.AtEnd;
    }

    // TableAction { action = 1 }, Action { action_id = 1; params = 4 { param_id = 2; value = 3 } }.
    private static bool TryReadAction(TableSchema table, ReadOnlySpan<byte> tableAction, out uint actionId, Span<UInt128> args, out int argCount)
    {
        actionId = 0;
        argCount = 0;
        var outer = new WireReader(tableAction);
        if (!outer.TryReadTag(out var actionField, out var actionWire) || actionField != 1
            || !outer.TryReadLengthDelimited(actionWire, out var action) || !outer.AtEnd)
            return false;
        ulong id = 0;
        var seenId = false;
        var reader = new WireReader(action);
        while (!reader.AtEnd)
        {
            if (!reader.TryReadTag(out var field, out var wire))
                return false;
            var ok = field switch
            {
                1 when !seenId => seenId = reader.TryReadVarint(wire, out id) && id <= uint.MaxValue,
                4 => reader.TryReadLengthDelimited(wire, out _),
                _ => false,
            };
            if (!ok)
                return false;
        }
        if (!seenId || !table.Actions.TryGetValue((uint)id, out var allowed) || allowed.Scope == ActionRef.Types.Scope.DefaultOnly)
            return false;
        var parameters = allowed.Action.Params;
        if (parameters.Count > args.Length)
            return false;
        var given = 0UL;
        reader = new WireReader(action);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field != 4)
            {
                Skip(ref reader, wire);
                continue;
            }
            if (!reader.TryReadLengthDelimited(wire, out var param) || !TryReadParam(param, out var paramId, out var value))
                return false;
            var index = Numbered.IndexOf(parameters, paramId);
            if (index < 0 || (given & (1UL << index)) != 0 || !Values.TryParse(value, parameters[index].Width, out args[index]))
                return false;
            given |= 1UL << index;
        }
        if (given != AllOf(parameters.Count))
            return false;
        actionId = (uint)id;
        argCount = parameters.Count;
        return true;
    }

    private static bool TryReadParam(ReadOnlySpan<byte> param, out uint paramId, out ReadOnlySpan<byte> value)
    {
        paramId = 0;
        value = default;
        bool seenId = false, seenValue = false;
        var reader = new WireReader(param);
        while (!reader.AtEnd)
        {
            if (!reader.TryReadTag(out var field, out var wire))
                return false;
            ulong id = 0;
            var ok = field switch
            {
                2 when !seenId => seenId = reader.TryReadVarint(wire, out id) && id is > 0 and <= uint.MaxValue,
                3 when !seenValue => seenValue = reader.TryReadLengthDelimited(wire, out value),
                _ => false,
            };
            if (!ok)
                return false;
            if (field == 2)
                paramId = (uint)id;
        }
        return seenId && seenValue;
    }

    private static ulong AllOf(int count) => count == 64 ? ulong.MaxValue : (1UL << count) - 1;

    // Only for fields a first pass has already read successfully.
    private static void Skip(ref WireReader reader, int wireType)
    {
        if (wireType == WireReader.Varint)
            reader.TryReadVarint(out _);
        else
            reader.TryReadLengthDelimited(out _);
    }
}
