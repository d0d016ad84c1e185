using P4.Config.V1;

namespace Offload.Simulator.Runtime.Schema;

internal enum MatchKind { Exact, Lpm, Ternary, Range, Optional }

/// <summary>A P4Info value numbered within its parent: match fields, action parameters, controller header fields.</summary>
internal interface INumbered
{
    uint Id { get; }
    string Name { get; }
    int Width { get; }
}

internal static class Numbered
{
    /// <summary>The position of the item with this id, or -1: the lists are short, a scan beats a map.</summary>
    public static int IndexOf<T>(IReadOnlyList<T> items, uint id) where T : INumbered
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i].Id == id)
                return i;
        }
        return -1;
    }

    /// <summary>
    /// One value per item, in the items' order, from a message that must give each exactly once (action parameters,
    /// packet_out metadata): unknown ids, repeats and omissions are INVALID_ARGUMENT, a value too wide OUT_OF_RANGE.
    /// </summary>
    public static UInt128[] ValuesOfEach<T, TGiven>(IReadOnlyList<T> items, IEnumerable<TGiven> given, Func<TGiven, uint> idOf,
        Func<TGiven, Google.Protobuf.ByteString> valueOf, string owner, string kind) where T : INumbered
    {
        if (items.Count == 0 && !given.Any())
            return ActionCall.NoArgs;
        var values = new UInt128[items.Count];
        var seen = new bool[items.Count];
        foreach (var item in given)
        {
            var index = IndexOf(items, idOf(item));
            if (index < 0)
                throw P4Error.InvalidArgument($"{owner} has no {kind} id {idOf(item)}");
            if (seen[index])
                throw P4Error.InvalidArgument($"{owner}: {kind} {items[index].Name} is given twice");
            seen[index] = true;
            values[index] = Values.Parse(valueOf(item), items[index].Width, owner, items[index].Name, null);
        }
        var missing = Array.IndexOf(seen, false);
        if (missing >= 0)
            throw P4Error.InvalidArgument($"{owner}: {kind} {items[missing].Name} is missing; give each exactly once");
        return values;
    }
}

internal sealed record FieldSchema(uint Id, string Name, int Width, MatchKind Kind) : INumbered
{
    public UInt128 FullMask => Values.Mask(Width);
}

internal sealed record ParamSchema(uint Id, string Name, int Width) : INumbered;

internal sealed record ActionSchema(uint Id, string Name, IReadOnlyList<ParamSchema> Params);

/// <summary>One table of the P4Info, resolved: its fields, the actions it allows and with which scope, its resources.</summary>
internal sealed class TableSchema
{
    public required uint Id { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyList<FieldSchema> Fields { get; init; }
    public required IReadOnlyDictionary<uint, (ActionSchema Action, ActionRef.Types.Scope Scope)> Actions { get; init; }
    public required long Size { get; init; }
    public required bool SupportsIdleTimeout { get; init; }
    public required uint DirectCounterId { get; init; }
    public required uint DirectMeterId { get; init; }
    public required uint ActionProfileId { get; init; }
    public required uint ConstDefaultActionId { get; init; }
    public required ActionCall InitialDefault { get; init; }

    public bool NeedsPriority => _needsPriority ??= Fields.Any(f => f.Kind is MatchKind.Ternary or MatchKind.Range or MatchKind.Optional);
    public bool HasRange => _hasRange ??= Fields.Any(f => f.Kind == MatchKind.Range);
    public bool IsIndirect => ActionProfileId != 0;
    public string ShortName => _shortName ??= Name[(Name.LastIndexOf('.') + 1)..];

    private bool? _needsPriority;
    private bool? _hasRange;
    private string? _shortName;
}
