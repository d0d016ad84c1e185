using P4.Config.V1;

namespace Offload.Simulator.Runtime.Schema;

internal enum MatchKind { Exact, Lpm, Ternary, Range, Optional }

internal sealed record FieldSchema(uint Id, string Name, int Width, MatchKind Kind)
{
    public UInt128 FullMask => Values.Mask(Width);
}

internal sealed record ParamSchema(uint Id, string Name, int Width);

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
