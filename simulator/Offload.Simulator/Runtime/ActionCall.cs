namespace Offload.Simulator.Runtime;

/// <summary>An action with its arguments, in P4Info parameter order.</summary>
internal sealed class ActionCall(uint actionId, UInt128[] args)
{
    public static readonly UInt128[] NoArgs = [];

    public uint ActionId { get; } = actionId;
    public UInt128[] Args { get; } = args;

    public UInt128 this[int index] => Args[index];

    public bool SameAs(ActionCall other) => ActionId == other.ActionId && Args.AsSpan().SequenceEqual(other.Args);
}
