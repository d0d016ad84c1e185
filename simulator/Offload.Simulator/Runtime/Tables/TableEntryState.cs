using Google.Protobuf;

namespace Offload.Simulator.Runtime.Tables;

/// <summary>
/// What identifies an entry: per field, in P4Info order, exact → Values; lpm, ternary and optional → Values and
/// Masks (a zero mask is "don't care"); range → Values (low) and Highs (high); and the priority.
/// </summary>
internal sealed class EntryKey
{
    public required UInt128[] Values { get; init; }
    public required UInt128[] Masks { get; init; }
    public UInt128[]? Highs { get; init; }
    public int Priority { get; init; }

    /// <summary>The prefix length of the table's LPM field, for LPM tables.</summary>
    public int PrefixLength { get; init; }
}

/// <summary>
/// One installed entry, kept small because a connection table holds a million of them: the key lives in the
/// table's index, identical actions are shared, and what most entries lack (indirect actions, the controller's
/// cookie) sits in the table's side map (<see cref="TableStore.ExtrasOf"/>).
/// </summary>
internal sealed class TableEntryState
{
    public ActionCall? Action { get; set; }
    public long IdleTimeoutNs { get; set; }
    public long LastHitTimestamp { get; set; }
    public long Packets { get; set; }
    public long Bytes { get; set; }
}

/// <summary>An indirect table's entry action: a member, a group, or a one-shot action set.</summary>
internal sealed record IndirectAction(uint MemberId, uint GroupId, ActionSetState? ActionSet);

/// <summary>The rarer parts of an entry.</summary>
internal sealed record EntryExtras(IndirectAction? Indirect, ByteString Metadata);

/// <summary>A one-shot action selector programming: the actions, their weights and watch ports.</summary>
internal sealed record ActionSetState(IReadOnlyList<(ActionCall Action, int Weight, uint WatchPort)> Actions);
