using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Schema;
using P4.V1;
using Action = P4.V1.Action;
using Scope = P4.Config.V1.ActionRef.Types.Scope;

namespace Offload.Simulator.P4Runtime.Entities;

/// <summary>p4.v1.Action ↔ <see cref="ActionCall"/>, validated against the table that runs it.</summary>
internal static class ActionTranslator
{
    public static ActionCall FromP4(PipelineSchema schema, Action action, TableSchema? table, bool asDefault)
    {
        if (!schema.Actions.TryGetValue(action.ActionId, out var actionSchema))
            throw P4Error.InvalidArgument($"unknown action id {action.ActionId}");
        if (table is not null)
        {
            if (!table.Actions.TryGetValue(action.ActionId, out var reference))
                throw P4Error.InvalidArgument($"action {actionSchema.Name} is not an action of table {table.Name}");
            if (asDefault && reference.Scope == Scope.TableOnly)
                throw P4Error.PermissionDenied($"action {actionSchema.Name} is @tableonly in {table.Name} and cannot be its default");
            if (!asDefault && reference.Scope == Scope.DefaultOnly)
                throw P4Error.InvalidArgument($"action {actionSchema.Name} is @defaultonly in {table.Name} and cannot be used by an entry");
        }
        var args = Numbered.ValuesOfEach(actionSchema.Params, action.Params, p => p.ParamId, p => p.Value, actionSchema.Name, "parameter");
        return new ActionCall(actionSchema.Id, args);
    }

    public static Action ToP4(PipelineSchema schema, ActionCall call)
    {
        var action = new Action { ActionId = call.ActionId };
        var parameters = schema.Actions[call.ActionId].Params;
        for (var i = 0; i < call.Args.Length; i++)
            action.Params.Add(new Action.Types.Param { ParamId = parameters[i].Id, Value = Values.Canonical(call.Args[i]) });
        return action;
    }
}
