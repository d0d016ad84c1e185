using Offload.P4Runtime.Schema;

namespace Offload.P4Runtime.Entities;

/// <summary>Builds a p4.v1.Action from names; every parameter is required, none may be unknown.</summary>
public static class ActionBuilder
{
    public static P4.V1.Action Build(P4InfoIndex index, string actionName,
        IReadOnlyDictionary<string, P4Value>? parameters = null)
    {
        var action = index.Actions[actionName];
        var result = new P4.V1.Action { ActionId = action.Preamble.Id };
        parameters ??= new Dictionary<string, P4Value>();
        foreach (var name in parameters.Keys)
            P4InfoIndex.Param(action, name);
        foreach (var param in action.Params)
        {
            if (!parameters.TryGetValue(param.Name, out var value))
                throw new P4InfoException($"action '{action.Preamble.Name}' needs parameter '{param.Name}' (bit<{param.Bitwidth}>)");
            result.Params.Add(new P4.V1.Action.Types.Param
            {
                ParamId = param.Id,
                Value = value.Encode(param.Bitwidth, $"{action.Preamble.Name}.{param.Name}"),
            });
        }
        return result;
    }
}
