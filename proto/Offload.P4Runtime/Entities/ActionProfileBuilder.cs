using Google.Protobuf;
using Offload.P4Runtime.Schema;

namespace Offload.P4Runtime.Entities;

/// <summary>Action profile members and groups from names, checked against the profile's tables and limits.</summary>
public static class ActionProfileBuilder
{
    public static P4.V1.ActionProfileMember Member(P4InfoIndex index, string profile, uint memberId, string action,
        IReadOnlyDictionary<string, P4Value>? parameters = null)
    {
        var info = index.ActionProfiles[profile];
        if (memberId == 0)
            throw new P4InfoException($"action profile '{info.Preamble.Name}': member id 0 is reserved");
        var resolved = index.Actions[action];
        foreach (var tableId in info.TableIds)
            index.ActionRef(index.Tables[tableId], resolved, asDefault: false);
        return new P4.V1.ActionProfileMember
        {
            ActionProfileId = info.Preamble.Id,
            MemberId = memberId,
            Action = ActionBuilder.Build(index, action, parameters),
        };
    }

    public static P4.V1.ActionProfileGroup Group(P4InfoIndex index, string profile, uint groupId,
        IEnumerable<(uint MemberId, int Weight, ByteString? WatchPort)> members, int maxSize = 0)
    {
        var info = index.ActionProfiles[profile];
        var name = info.Preamble.Name;
        if (!info.WithSelector)
            throw new P4InfoException($"action profile '{name}' has no selector: it takes no groups");
        if (groupId == 0)
            throw new P4InfoException($"action profile '{name}': group id 0 is reserved");
        if (maxSize < 0 || info.MaxGroupSize > 0 && maxSize > info.MaxGroupSize)
            throw new P4InfoException($"action profile '{name}': max size {maxSize} outside 0..{info.MaxGroupSize}");
        var group = new P4.V1.ActionProfileGroup { ActionProfileId = info.Preamble.Id, GroupId = groupId, MaxSize = maxSize };
        var seen = new HashSet<uint>();
        foreach (var (memberId, weight, watch) in members)
        {
            if (!seen.Add(memberId))
                throw new P4InfoException($"action profile '{name}': member {memberId} appears twice in group {groupId}; use a weight");
            if (info.WeightsDisallowed ? weight != 0 : weight <= 0)
                throw new P4InfoException(info.WeightsDisallowed
                    ? $"action profile '{name}' disallows weights"
                    : $"action profile '{name}': member {memberId} needs a positive weight, got {weight}");
            var member = new P4.V1.ActionProfileGroup.Types.Member { MemberId = memberId, Weight = weight };
            if (watch is not null)
                member.WatchPort = watch;
            group.Members.Add(member);
        }
        var size = info.SumOfMembers is not null ? group.Members.Count : group.Members.Sum(m => m.Weight);
        var limit = maxSize > 0 ? maxSize : info.MaxGroupSize;
        if (limit > 0 && size > limit)
            throw new P4InfoException($"action profile '{name}': group {groupId} has size {size}, more than {limit}");
        return group;
    }
}
