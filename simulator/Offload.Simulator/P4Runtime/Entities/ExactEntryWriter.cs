using System.Diagnostics;
using Offload.P4Runtime.Wire;
using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Schema;
using Offload.Simulator.Runtime.Tables;
using P4.Config.V1;

namespace Offload.Simulator.P4Runtime.Entities;

/// <summary>An update <see cref="ExactEntryWriter"/> has read: the table, the packed key, and for an INSERT the entry's action and idle timeout.</summary>
internal readonly record struct ExactWrite(TableStore Table, PackedKey Key, bool Delete, ActionCall? Action, long IdleTimeoutNs);

/// <summary>
/// The hot path of a Write: INSERT or DELETE of an entry of an exact-match, direct-action table (a connection pinned
/// or unpinned), read straight from the update's wire bytes without building messages. It takes only updates it
/// reads completely and <see cref="TableEntryWriter"/> would accept, and then changes the table exactly as that does;
/// for any other update it says false, and the caller parses the update and goes the general way, which also words
/// any error.
/// </summary>
internal static class ExactEntryWriter
{
    private const int Insert = 1, Delete = 3;
    private const int MaxFields = 64, MaxParams = 16; // wider keys and actions go the general way

    /// <summary>Reads the update if this path takes it, as far as the pipeline alone decides; changes nothing.</summary>
    public static bool TryRead(DeviceState device, ReadOnlySpan<byte> update, out ExactWrite write)
    {
        write = default;
        if (!TryReadUpdate(update, out var type, out var encodedEntry) || type is not (Insert or Delete))
            return false;
        if (!TryReadEntry(encodedEntry, out var tableId, out var encodedAction, out var hasAction, out var idleTimeoutNs))
            return false;
        if (!device.Tables.TryGetValue(tableId, out var table) || !table.IsExactOnly || table.Schema.IsIndirect
            || table.Schema.Fields.Count > MaxFields)
            return false;
        Span<UInt128> key = stackalloc UInt128[table.Schema.Fields.Count];
        if (!TryReadNumbered(encodedEntry, 2, table.Schema.Fields, TryReadExactMatch, key))
            return false;
        ActionCall? action = null;
        if (hasAction && !TryReadAction(table.Schema, encodedAction, out action))
            return false;
        if (type == Insert && (action is null || idleTimeoutNs < 0 || idleTimeoutNs != 0 && !table.Schema.SupportsIdleTimeout))
            return false;
        write = new ExactWrite(table, table.PackExact(key), type == Delete, type == Insert ? action : null, idleTimeoutNs);
        return true;
    }

    /// <summary>Applies an update read by <see cref="TryRead"/>; false, and nothing changed, when it is a DELETE of an entry that is not there.</summary>
    public static bool TryApply(in ExactWrite write)
    {
        if (write.Delete)
        {
            if (write.Table.FindExact(write.Key) is null)
                return false;
            write.Table.DeleteExact(write.Key);
            return true;
        }
        write.Table.InsertExact(write.Key, new TableEntryState
        {
            Action = write.Action, IdleTimeoutNs = write.IdleTimeoutNs, LastHitTimestamp = Stopwatch.GetTimestamp(),
        });
        return true;
    }

    // Update { type = 1; entity = 2 }, Entity { table_entry = 2 }: anything else is for the general path.
    private static bool TryReadUpdate(ReadOnlySpan<byte> update, out ulong type, out ReadOnlySpan<byte> entry)
    {
        entry = default;
        return TryReadVarintAndBytes(update, 1, 2, out type, out var entity) && TryReadOnly(entity, 2, out entry);
    }

    // TableEntry { table_id = 1; match = 2 (read by TryReadNumbered); action = 3; priority = 4 (0 here); is_default_action = 8 (false); idle_timeout_ns = 9 }
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

    // TableAction { action = 1 }, Action { action_id = 1; params = 4 (read by TryReadNumbered) }.
    private static bool TryReadAction(TableSchema table, ReadOnlySpan<byte> tableAction, out ActionCall? call)
    {
        call = null;
        if (!TryReadOnly(tableAction, 1, out var action))
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
        if (parameters.Count > MaxParams)
            return false;
        Span<UInt128> args = stackalloc UInt128[parameters.Count];
        if (!TryReadNumbered(action, 4, parameters, TryReadParam, args))
            return false;
        call = new ActionCall((uint)id, parameters.Count == 0 ? ActionCall.NoArgs : args.ToArray());
        return true;
    }

    private delegate bool ItemReader(ReadOnlySpan<byte> item, out uint id, out ReadOnlySpan<byte> value);

    /// <summary>
    /// The values of a repeated field whose items each name one of <paramref name="items"/> by id (match fields,
    /// action parameters): every item given once, every value non-empty and within its width. The message's other
    /// fields are skipped; a first pass has read them.
    /// </summary>
    private static bool TryReadNumbered<T>(ReadOnlySpan<byte> message, int repeatedField, IReadOnlyList<T> items, ItemReader read, Span<UInt128> values)
        where T : INumbered
    {
        var given = 0UL;
        var reader = new WireReader(message);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field != repeatedField)
            {
                if (wire == WireReader.Varint)
                    reader.TryReadVarint(out _);
                else
                    reader.TryReadLengthDelimited(out _);
                continue;
            }
            if (!reader.TryReadLengthDelimited(wire, out var item) || !read(item, out var id, out var value))
                return false;
            var index = Numbered.IndexOf(items, id);
            if (index < 0 || (given & (1UL << index)) != 0 || !Values.TryParse(value, items[index].Width, out values[index]))
                return false;
            given |= 1UL << index;
        }
        return given == (items.Count == 64 ? ulong.MaxValue : (1UL << items.Count) - 1);
    }

    // FieldMatch { field_id = 1; exact = 2 { value = 1 } }
    private static bool TryReadExactMatch(ReadOnlySpan<byte> match, out uint fieldId, out ReadOnlySpan<byte> value)
    {
        value = default;
        return TryReadId(match, 1, 2, out fieldId, out var exact) && TryReadOnly(exact, 1, out value);
    }

    // Param { param_id = 2; value = 3 }
    private static bool TryReadParam(ReadOnlySpan<byte> param, out uint paramId, out ReadOnlySpan<byte> value) =>
        TryReadId(param, 2, 3, out paramId, out value);

    private static bool TryReadId(ReadOnlySpan<byte> message, int idField, int bytesField, out uint id, out ReadOnlySpan<byte> bytes)
    {
        var ok = TryReadVarintAndBytes(message, idField, bytesField, out var number, out bytes) && number <= uint.MaxValue;
        id = (uint)number;
        return ok;
    }

    /// <summary>A message of exactly two fields, each given once: a varint and a length-delimited one.</summary>
    private static bool TryReadVarintAndBytes(ReadOnlySpan<byte> message, int varintField, int bytesField, out ulong number, out ReadOnlySpan<byte> bytes)
    {
        number = 0;
        bytes = default;
        bool seenNumber = false, seenBytes = false;
        var reader = new WireReader(message);
        while (!reader.AtEnd)
        {
            if (!reader.TryReadTag(out var field, out var wire))
                return false;
            var ok = field == varintField && !seenNumber ? seenNumber = reader.TryReadVarint(wire, out number)
                : field == bytesField && !seenBytes && (seenBytes = reader.TryReadLengthDelimited(wire, out bytes));
            if (!ok)
                return false;
        }
        return seenNumber && seenBytes;
    }

    /// <summary>A message whose only content is one length-delimited field.</summary>
    private static bool TryReadOnly(ReadOnlySpan<byte> message, int field, out ReadOnlySpan<byte> content)
    {
        content = default;
        var reader = new WireReader(message);
        return reader.TryReadTag(out var found, out var wire) && found == field && reader.TryReadLengthDelimited(wire, out content) && reader.AtEnd;
    }
}
