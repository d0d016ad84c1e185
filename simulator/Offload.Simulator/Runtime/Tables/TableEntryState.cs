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
/// table's index, identical actions are shared, and what most entries lack sits in <see cref="Extras"/>.
/// </summary>
internal sealed class TableEntryState
{
    public ActionCall? Action { get; set; }
    public EntryExtras? Extras { get; set; }
    public long IdleTimeoutNs { get; set; }
    public long LastHitTimestamp { get; set; }
    public long Packets { get; set; }
    public long Bytes { get; set; }

    public uint MemberId => Extras?.MemberId ?? 0;
    public uint GroupId => Extras?.GroupId ?? 0;
    public ActionSetState? ActionSet => Extras?.ActionSet;
    public ByteString Metadata => Extras?.Metadata ?? ByteString.Empty;

    public void SetMetadata(ByteString metadata)
    {
        if (metadata.IsEmpty && Extras is null)
            return;
        (Extras ??= new EntryExtras()).Metadata = metadata;
    }

    public void SetIndirect(uint memberId, uint groupId, ActionSetState? actionSet)
    {
        if (memberId == 0 && groupId == 0 && actionSet is null && Extras is null)
            return;
        Extras ??= new EntryExtras();
        Extras.MemberId = memberId;
        Extras.GroupId = groupId;
        Extras.ActionSet = actionSet;
    }

    public void CopyActionFrom(TableEntryState other)
    {
        Action = other.Action;
        SetIndirect(other.MemberId, other.GroupId, other.ActionSet);
    }
}

/// <summary>The rarer parts of an entry: indirect actions (members, groups, one-shot sets) and the controller's cookie.</summary>
internal sealed class EntryExtras
{
    public uint MemberId { get; set; }
    public uint GroupId { get; set; }
    public ActionSetState? ActionSet { get; set; }
    public ByteString Metadata { get; set; } = ByteString.Empty;
}

/// <summary>A one-shot action selector programming: the actions, their weights and watch ports.</summary>
internal sealed record ActionSetState(IReadOnlyList<(ActionCall Action, int Weight, uint WatchPort)> Actions);
