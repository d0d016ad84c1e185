using Google.Protobuf;

namespace Offload.Simulator.Runtime.Tables;

/// <summary>
/// One installed entry. Per field, in P4Info order: exact → Values; lpm, ternary and optional → Values and Masks
/// (a mask of zero is "don't care"); range → Values (low) and Highs (high).
/// </summary>
internal sealed class TableEntryState
{
    public required UInt128[] Values { get; init; }
    public required UInt128[] Masks { get; init; }
    public UInt128[]? Highs { get; init; }
    public int Priority { get; init; }

    public ActionCall? Action { get; set; }
    public uint MemberId { get; set; }
    public uint GroupId { get; set; }
    public ActionSetState? ActionSet { get; set; }

    public long IdleTimeoutNs { get; set; }
    public long LastHitTimestamp { get; set; }
    public long Packets { get; set; }
    public long Bytes { get; set; }
    public ByteString Metadata { get; set; } = ByteString.Empty;

    /// <summary>The prefix length of the table's LPM field, for LPM tables.</summary>
    public int PrefixLength { get; init; }

    public void CopyActionFrom(TableEntryState other)
    {
        Action = other.Action;
        MemberId = other.MemberId;
        GroupId = other.GroupId;
        ActionSet = other.ActionSet;
    }
}

/// <summary>A one-shot action selector programming: the actions, their weights and watch ports.</summary>
internal sealed record ActionSetState(IReadOnlyList<(ActionCall Action, int Weight, uint WatchPort)> Actions);
