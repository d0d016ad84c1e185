using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Schema;
using Offload.Simulator.Runtime.Tables;
using P4.V1;

namespace Offload.Simulator.P4Runtime.Entities;

/// <summary>The key of a table entry (match fields and priority) ↔ <see cref="EntryKey"/>, with the spec's checks.</summary>
internal static class MatchTranslator
{
    public static EntryKey FromP4(TableSchema table, TableEntry entry)
    {
        var count = table.Fields.Count;
        var values = new UInt128[count];
        var masks = new UInt128[count];
        var highs = table.HasRange ? new UInt128[count] : null;
        var given = new bool[count];
        var prefixLength = 0;
        foreach (var match in entry.Match)
        {
            var index = Numbered.IndexOf(table.Fields, match.FieldId);
            if (index < 0)
                throw P4Error.InvalidArgument($"{table.ShortName} has no match field id {match.FieldId}");
            if (given[index])
                throw P4Error.InvalidArgument($"{table.ShortName}: match field {table.Fields[index].Name} is given twice");
            given[index] = true;
            var field = table.Fields[index];
            switch (field.Kind, match.FieldMatchTypeCase)
            {
                case (MatchKind.Exact, FieldMatch.FieldMatchTypeOneofCase.Exact):
                    values[index] = Values.Parse(match.Exact.Value, field.Width, table.ShortName, field.Name, null);
                    masks[index] = field.FullMask;
                    break;
                case (MatchKind.Lpm, FieldMatch.FieldMatchTypeOneofCase.Lpm):
                    var prefix = match.Lpm.PrefixLen;
                    if (prefix <= 0 || prefix > field.Width)
                        throw P4Error.InvalidArgument($"{table.ShortName}.{field.Name}: prefix length {prefix} is outside 1..{field.Width} (omit the field for a wildcard)");
                    values[index] = Values.Parse(match.Lpm.Value, field.Width, table.ShortName, field.Name, null);
                    masks[index] = TableStore.PrefixMask(prefix, field.Width);
                    if ((values[index] & ~masks[index]) != 0)
                        throw P4Error.InvalidArgument($"{table.ShortName}.{field.Name}: the value has bits set past the /{prefix} prefix");
                    prefixLength = prefix;
                    break;
                case (MatchKind.Ternary, FieldMatch.FieldMatchTypeOneofCase.Ternary):
                    values[index] = Values.Parse(match.Ternary.Value, field.Width, table.ShortName, field.Name, null);
                    masks[index] = Values.Parse(match.Ternary.Mask, field.Width, table.ShortName, field.Name, "mask");
                    if (masks[index] == 0)
                        throw P4Error.InvalidArgument($"{table.ShortName}.{field.Name}: a zero mask is a wildcard; omit the field instead");
                    if ((values[index] & ~masks[index]) != 0)
                        throw P4Error.InvalidArgument($"{table.ShortName}.{field.Name}: the value has bits set outside the mask");
                    break;
                case (MatchKind.Range, FieldMatch.FieldMatchTypeOneofCase.Range):
                    values[index] = Values.Parse(match.Range.Low, field.Width, table.ShortName, field.Name, "low");
                    highs![index] = Values.Parse(match.Range.High, field.Width, table.ShortName, field.Name, "high");
                    if (values[index] > highs[index])
                        throw P4Error.InvalidArgument($"{table.ShortName}.{field.Name}: low {values[index]} is above high {highs[index]}");
                    if (values[index] == 0 && highs[index] == field.FullMask)
                        throw P4Error.InvalidArgument($"{table.ShortName}.{field.Name}: the full range is a wildcard; omit the field instead");
                    break;
                case (MatchKind.Optional, FieldMatch.FieldMatchTypeOneofCase.Optional):
                    values[index] = Values.Parse(match.Optional.Value, field.Width, table.ShortName, field.Name, null);
                    masks[index] = field.FullMask;
                    break;
                default:
                    throw P4Error.InvalidArgument($"{table.ShortName}.{field.Name} is a {field.Kind.ToString().ToLowerInvariant()} field, not {match.FieldMatchTypeCase.ToString().ToLowerInvariant()}");
            }
        }
        for (var i = 0; i < count; i++)
        {
            if (!given[i] && table.Fields[i].Kind == MatchKind.Exact)
                throw P4Error.InvalidArgument($"{table.ShortName}: exact match field {table.Fields[i].Name} is missing");
            if (!given[i] && table.Fields[i].Kind == MatchKind.Range)
                highs![i] = table.Fields[i].FullMask;
        }
        if (table.NeedsPriority && entry.Priority <= 0)
            throw P4Error.InvalidArgument($"{table.ShortName} has ternary, range or optional fields: its entries need a priority > 0");
        if (!table.NeedsPriority && entry.Priority != 0)
            throw P4Error.InvalidArgument($"{table.ShortName} has no ternary, range or optional field: priority must be 0");
        return new EntryKey { Values = values, Masks = masks, Highs = highs, Priority = entry.Priority, PrefixLength = prefixLength };
    }

    public static void ToP4(TableSchema table, EntryKey state, TableEntry entry)
    {
        for (var i = 0; i < table.Fields.Count; i++)
        {
            var field = table.Fields[i];
            var match = new FieldMatch { FieldId = field.Id };
            switch (field.Kind)
            {
                case MatchKind.Exact:
                    match.Exact = new FieldMatch.Types.Exact { Value = Values.Canonical(state.Values[i]) };
                    break;
                case MatchKind.Lpm when state.Masks[i] != 0:
                    match.Lpm = new FieldMatch.Types.LPM { Value = Values.Canonical(state.Values[i]), PrefixLen = state.PrefixLength };
                    break;
                case MatchKind.Ternary when state.Masks[i] != 0:
                    match.Ternary = new FieldMatch.Types.Ternary { Value = Values.Canonical(state.Values[i]), Mask = Values.Canonical(state.Masks[i]) };
                    break;
                case MatchKind.Optional when state.Masks[i] != 0:
                    match.Optional = new FieldMatch.Types.Optional { Value = Values.Canonical(state.Values[i]) };
                    break;
                case MatchKind.Range when state.Values[i] != 0 || state.Highs![i] != field.FullMask:
                    match.Range = new FieldMatch.Types.Range { Low = Values.Canonical(state.Values[i]), High = Values.Canonical(state.Highs![i]) };
                    break;
                default:
                    continue;
            }
            entry.Match.Add(match);
        }
        entry.Priority = state.Priority;
    }
}
