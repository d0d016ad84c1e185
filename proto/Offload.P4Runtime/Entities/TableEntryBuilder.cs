using Google.Protobuf;
using Offload.P4Runtime.Bytestrings;
using Offload.P4Runtime.Schema;
using P4.Config.V1;
using MatchType = P4.Config.V1.MatchField.Types.MatchType;

namespace Offload.P4Runtime.Entities;

/// <summary>
/// Builds a TableEntry from names, checking each field against the P4Info as it is set: the match
/// kind, the width, LPM and ternary masks, priorities, and the table's actions.
/// </summary>
public sealed class TableEntryBuilder
{
    private readonly P4InfoIndex _index;
    private readonly Table _table;
    private readonly P4.V1.TableEntry _entry;
    private readonly HashSet<uint> _fields = new();

    public TableEntryBuilder(P4InfoIndex index, string table)
    {
        _index = index;
        _table = index.Tables[table];
        _entry = new P4.V1.TableEntry { TableId = _table.Preamble.Id };
    }

    private string TableName => _table.Preamble.Name;

    public TableEntryBuilder Exact(string field, P4Value value)
    {
        var (info, match) = Field(field, MatchType.Exact);
        match.Exact = new P4.V1.FieldMatch.Types.Exact { Value = value.Encode(info.Bitwidth, Where(field)) };
        return this;
    }

    public TableEntryBuilder Lpm(string field, P4Value value, int prefixLength)
    {
        var (info, match) = Field(field, MatchType.Lpm);
        if (prefixLength < 0 || prefixLength > info.Bitwidth)
            throw new P4InfoException($"{Where(field)}: prefix length {prefixLength} outside 0..{info.Bitwidth}");
        var encoded = value.Encode(info.Bitwidth, Where(field));
        var host = info.Bitwidth - prefixLength;
        if (host > 0 && !(P4Bytes.ToBigInteger(encoded) & ((System.Numerics.BigInteger.One << host) - 1)).IsZero)
            throw new P4InfoException($"{Where(field)}: {value}/{prefixLength} has bits set beyond the prefix");
        if (prefixLength == 0)
        {
            _entry.Match.Remove(match);
            return this; // a /0 prefix is a wildcard: the field is omitted
        }
        match.Lpm = new P4.V1.FieldMatch.Types.LPM { Value = encoded, PrefixLen = prefixLength };
        return this;
    }

    /// <summary>"10.0.0.0/8" style.</summary>
    public TableEntryBuilder Lpm(string field, string cidr)
    {
        var slash = cidr.LastIndexOf('/');
        if (slash < 0 || !int.TryParse(cidr[(slash + 1)..], out var length))
            throw new P4InfoException($"{Where(field)}: '{cidr}' is not VALUE/PREFIX_LENGTH");
        return Lpm(field, cidr[..slash], length);
    }

    public TableEntryBuilder Ternary(string field, P4Value value, P4Value mask)
    {
        var (info, match) = Field(field, MatchType.Ternary);
        var v = value.Encode(info.Bitwidth, Where(field));
        var m = mask.Encode(info.Bitwidth, Where(field) + " mask");
        var mv = P4Bytes.ToBigInteger(m);
        if (mv.IsZero)
            throw new P4InfoException($"{Where(field)}: a zero mask is a wildcard: omit the field instead");
        if ((P4Bytes.ToBigInteger(v) & mv) != P4Bytes.ToBigInteger(v))
            throw new P4InfoException($"{Where(field)}: value {value} has bits outside mask {mask}");
        match.Ternary = new P4.V1.FieldMatch.Types.Ternary { Value = v, Mask = m };
        return this;
    }

    public TableEntryBuilder Range(string field, P4Value low, P4Value high)
    {
        var (info, match) = Field(field, MatchType.Range);
        var l = low.Encode(info.Bitwidth, Where(field) + " low");
        var h = high.Encode(info.Bitwidth, Where(field) + " high");
        if (P4Bytes.ToBigInteger(l) > P4Bytes.ToBigInteger(h))
            throw new P4InfoException($"{Where(field)}: range low {low} is above high {high}");
        match.Range = new P4.V1.FieldMatch.Types.Range { Low = l, High = h };
        return this;
    }

    public TableEntryBuilder Optional(string field, P4Value value)
    {
        var (info, match) = Field(field, MatchType.Optional);
        match.Optional = new P4.V1.FieldMatch.Types.Optional { Value = value.Encode(info.Bitwidth, Where(field)) };
        return this;
    }

    public TableEntryBuilder Action(string action, IReadOnlyDictionary<string, P4Value>? parameters = null)
    {
        if (_table.ImplementationId != 0)
            throw new P4InfoException($"table '{TableName}' is indirect: use a member, a group or an action set");
        _index.ActionRef(_table, _index.Actions[action], _entry.IsDefaultAction);
        _entry.Action = new P4.V1.TableAction { Action = ActionBuilder.Build(_index, action, parameters) };
        return this;
    }

    public TableEntryBuilder Action(string action, params (string Name, P4Value Value)[] parameters) =>
        Action(action, parameters.ToDictionary(p => p.Name, p => p.Value));

    public TableEntryBuilder Member(uint memberId)
    {
        RequireIndirect();
        _entry.Action = new P4.V1.TableAction { ActionProfileMemberId = NonZero(memberId, "member id") };
        return this;
    }

    public TableEntryBuilder Group(uint groupId)
    {
        RequireIndirect();
        _entry.Action = new P4.V1.TableAction { ActionProfileGroupId = NonZero(groupId, "group id") };
        return this;
    }

    /// <summary>One-shot action selector programming: weighted actions, each optionally watching a port.</summary>
    public TableEntryBuilder ActionSet(IEnumerable<(string Action, IReadOnlyDictionary<string, P4Value>? Params, int Weight, ByteString? WatchPort)> actions)
    {
        RequireIndirect();
        var set = new P4.V1.ActionProfileActionSet();
        foreach (var (action, parameters, weight, watch) in actions)
        {
            _index.ActionRef(_table, _index.Actions[action], asDefault: false);
            if (weight <= 0)
                throw new P4InfoException($"table '{TableName}': action set weights must be positive, got {weight}");
            var item = new P4.V1.ActionProfileAction { Action = ActionBuilder.Build(_index, action, parameters), Weight = weight };
            if (watch is not null)
                item.WatchPort = watch;
            set.ActionProfileActions.Add(item);
        }
        if (set.ActionProfileActions.Count == 0)
            throw new P4InfoException($"table '{TableName}': an action set needs at least one action");
        _entry.Action = new P4.V1.TableAction { ActionProfileActionSet = set };
        return this;
    }

    public TableEntryBuilder Priority(int priority)
    {
        if (priority <= 0)
            throw new P4InfoException($"table '{TableName}': priority must be positive, got {priority}");
        _entry.Priority = priority;
        return this;
    }

    public TableEntryBuilder IdleTimeout(TimeSpan timeout)
    {
        if (_table.IdleTimeoutBehavior != Table.Types.IdleTimeoutBehavior.NotifyControl)
            throw new P4InfoException($"table '{TableName}' does not support idle timeouts");
        _entry.IdleTimeoutNs = (long)(timeout.TotalMilliseconds * 1_000_000);
        return this;
    }

    public TableEntryBuilder Metadata(ByteString cookie)
    {
        _entry.Metadata = cookie;
        return this;
    }

    /// <summary>Targets the table's default entry (only MODIFY may be written).</summary>
    public TableEntryBuilder AsDefault()
    {
        if (_entry.Match.Count > 0)
            throw new P4InfoException($"table '{TableName}': the default entry has no match fields");
        _entry.IsDefaultAction = true;
        return this;
    }

    /// <summary>The entry's key only: what DELETE and reads need.</summary>
    public P4.V1.TableEntry BuildKey() => Validate(requireAction: false);

    public P4.V1.TableEntry Build() => Validate(requireAction: true);

    private P4.V1.TableEntry Validate(bool requireAction)
    {
        if (!_entry.IsDefaultAction)
        {
            foreach (var field in _table.MatchFields.Where(f => f.MatchType == MatchType.Exact))
                if (!_fields.Contains(field.Id))
                    throw new P4InfoException($"table '{TableName}': exact field '{field.Name}' is required");
            var needs = P4InfoIndex.NeedsPriority(_table);
            if (needs && _entry.Priority == 0)
                throw new P4InfoException($"table '{TableName}' has ternary/range/optional fields: a priority is required");
            if (!needs && _entry.Priority != 0)
                throw new P4InfoException($"table '{TableName}' has only exact/LPM fields: it takes no priority");
        }
        if (requireAction && _entry.Action is null)
            throw new P4InfoException($"table '{TableName}': no action set");
        return _entry.Clone();
    }

    private (MatchField Info, P4.V1.FieldMatch Match) Field(string name, MatchType kind)
    {
        if (_entry.IsDefaultAction)
            throw new P4InfoException($"table '{TableName}': the default entry has no match fields");
        var info = _index.MatchField(_table, name);
        if (info.MatchType != kind)
            throw new P4InfoException($"{Where(name)} is {info.MatchType.ToString().ToLowerInvariant()}, not {kind.ToString().ToLowerInvariant()}");
        if (!_fields.Add(info.Id))
            throw new P4InfoException($"{Where(name)} is set twice");
        var match = new P4.V1.FieldMatch { FieldId = info.Id };
        _entry.Match.Add(match);
        return (info, match);
    }

    private void RequireIndirect()
    {
        if (_table.ImplementationId == 0)
            throw new P4InfoException($"table '{TableName}' is direct: give an action, not a member/group/action set");
    }

    private uint NonZero(uint id, string what) =>
        id == 0 ? throw new P4InfoException($"table '{TableName}': {what} 0 is reserved") : id;

    private string Where(string field) => $"{TableName}.{field}";
}
