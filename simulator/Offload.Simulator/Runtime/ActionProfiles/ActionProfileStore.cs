namespace Offload.Simulator.Runtime.ActionProfiles;

internal sealed record ActionProfileSchema(uint Id, string Name, bool WithSelector, long Size, int MaxGroupSize,
    bool WeightsDisallowed, IReadOnlySet<uint> TableIds)
{
    public string ShortName => Name[(Name.LastIndexOf('.') + 1)..];
}

internal sealed record GroupMember(uint MemberId, int Weight, uint WatchPort);

/// <summary>The members and groups of one action profile or selector, with the references that pin them.</summary>
internal sealed class ActionProfileStore(ActionProfileSchema schema)
{
    private readonly Dictionary<uint, (ActionCall Action, int References)> _members = new();
    private readonly Dictionary<uint, (IReadOnlyList<GroupMember> Members, int MaxSize, int References)> _groups = new();

    public ActionProfileSchema Schema { get; } = schema;
    public IEnumerable<(uint Id, ActionCall Action)> Members => _members.Select(m => (m.Key, m.Value.Action));
    public IEnumerable<(uint Id, IReadOnlyList<GroupMember> Members, int MaxSize)> Groups =>
        _groups.Select(g => (g.Key, g.Value.Members, g.Value.MaxSize));

    public bool TryGetMember(uint id, out ActionCall action)
    {
        var found = _members.TryGetValue(id, out var member);
        action = member.Action;
        return found;
    }

    public bool HasGroup(uint id) => _groups.ContainsKey(id);

    public void InsertMember(uint id, ActionCall action)
    {
        if (_members.ContainsKey(id))
            throw P4Error.AlreadyExists($"{Schema.ShortName}: member {id} already exists");
        if (_members.Count >= Schema.Size)
            throw P4Error.ResourceExhausted($"{Schema.ShortName} is full ({Schema.Size} members)");
        _members[id] = (action, 0);
    }

    public void ModifyMember(uint id, ActionCall action)
    {
        if (!_members.TryGetValue(id, out var member))
            throw P4Error.NotFound($"{Schema.ShortName}: no member {id}");
        _members[id] = (action, member.References);
    }

    public void DeleteMember(uint id)
    {
        if (!_members.TryGetValue(id, out var member))
            throw P4Error.NotFound($"{Schema.ShortName}: no member {id}");
        if (member.References > 0)
            throw P4Error.FailedPrecondition($"{Schema.ShortName}: member {id} is used by {member.References} group(s) or table entries");
        _members.Remove(id);
    }

    public void InsertGroup(uint id, IReadOnlyList<GroupMember> members, int maxSize)
    {
        if (_groups.ContainsKey(id))
            throw P4Error.AlreadyExists($"{Schema.ShortName}: group {id} already exists");
        CheckGroup(id, members, maxSize);
        Reference(members, +1);
        _groups[id] = (members, maxSize, 0);
    }

    public void ModifyGroup(uint id, IReadOnlyList<GroupMember> members, int maxSize)
    {
        if (!_groups.TryGetValue(id, out var group))
            throw P4Error.NotFound($"{Schema.ShortName}: no group {id}");
        if (maxSize != 0 && maxSize != group.MaxSize)
            throw P4Error.InvalidArgument($"{Schema.ShortName}: the max_size of group {id} is fixed at insert ({group.MaxSize})");
        CheckGroup(id, members, group.MaxSize);
        Reference(group.Members, -1);
        Reference(members, +1);
        _groups[id] = (members, group.MaxSize, group.References);
    }

    public void DeleteGroup(uint id)
    {
        if (!_groups.TryGetValue(id, out var group))
            throw P4Error.NotFound($"{Schema.ShortName}: no group {id}");
        if (group.References > 0)
            throw P4Error.FailedPrecondition($"{Schema.ShortName}: group {id} is used by {group.References} table entries");
        Reference(group.Members, -1);
        _groups.Remove(id);
    }

    /// <summary>A table entry starts (+1) or stops (-1) pointing at a member or group.</summary>
    public void ReferenceFromEntry(uint memberId, uint groupId, int delta)
    {
        if (memberId != 0 && _members.TryGetValue(memberId, out var m))
            _members[memberId] = (m.Action, m.References + delta);
        if (groupId != 0 && _groups.TryGetValue(groupId, out var g))
            _groups[groupId] = (g.Members, g.MaxSize, g.References + delta);
    }

    /// <summary>The member action a packet with this hash gets from a group: weighted, skipping members whose watch port is down.</summary>
    public ActionCall? SelectFromGroup(uint groupId, uint hash, Func<uint, bool> isPortUp)
    {
        if (!_groups.TryGetValue(groupId, out var group))
            return null;
        return Select(group.Members.Select(m => (_members[m.MemberId].Action, m.Weight, m.WatchPort)).ToList(), hash, isPortUp);
    }

    public static ActionCall? Select(IReadOnlyList<(ActionCall Action, int Weight, uint WatchPort)> members, uint hash,
        Func<uint, bool> isPortUp)
    {
        long total = 0;
        foreach (var m in members)
        {
            if (m.WatchPort == 0 || isPortUp(m.WatchPort))
                total += m.Weight;
        }
        if (total == 0)
            return null;
        var pick = hash % total;
        foreach (var m in members)
        {
            if (m.WatchPort != 0 && !isPortUp(m.WatchPort))
                continue;
            if (pick < m.Weight)
                return m.Action;
            pick -= m.Weight;
        }
        return null;
    }

    private void CheckGroup(uint id, IReadOnlyList<GroupMember> members, int maxSize)
    {
        if (Schema.MaxGroupSize > 0 && maxSize > Schema.MaxGroupSize)
            throw P4Error.InvalidArgument($"{Schema.ShortName}: group {id} max_size {maxSize} exceeds the P4Info's max_group_size {Schema.MaxGroupSize}");
        var limit = maxSize > 0 ? maxSize : Schema.MaxGroupSize;
        if (limit > 0 && members.Count > limit)
            throw P4Error.ResourceExhausted($"{Schema.ShortName}: group {id} has {members.Count} members, more than its size {limit}");
        var seen = new HashSet<uint>();
        foreach (var m in members)
        {
            if (!_members.ContainsKey(m.MemberId))
                throw P4Error.NotFound($"{Schema.ShortName}: group {id} names unknown member {m.MemberId}");
            if (!seen.Add(m.MemberId))
                throw P4Error.InvalidArgument($"{Schema.ShortName}: member {m.MemberId} appears twice in group {id}; use its weight");
        }
    }

    private void Reference(IReadOnlyList<GroupMember> members, int delta)
    {
        foreach (var m in members)
        {
            var member = _members[m.MemberId];
            _members[m.MemberId] = (member.Action, member.References + delta);
        }
    }
}
