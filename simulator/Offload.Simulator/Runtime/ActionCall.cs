namespace Offload.Simulator.Runtime;

/// <summary>An action with its arguments, in P4Info parameter order; immutable, so tables share equal ones.</summary>
internal sealed class ActionCall(uint actionId, UInt128[] args)
{
    public static readonly UInt128[] NoArgs = [];
    public static readonly IEqualityComparer<ActionCall> Comparer = new StructuralComparer();

    public uint ActionId { get; } = actionId;
    public UInt128[] Args { get; } = args;

    public UInt128 this[int index] => Args[index];

    private sealed class StructuralComparer : IEqualityComparer<ActionCall>
    {
        public bool Equals(ActionCall? x, ActionCall? y) =>
            ReferenceEquals(x, y) || x is not null && y is not null && x.ActionId == y.ActionId && x.Args.AsSpan().SequenceEqual(y.Args);

        public int GetHashCode(ActionCall call)
        {
            var hash = new HashCode();
            hash.Add(call.ActionId);
            foreach (var arg in call.Args)
                hash.Add(arg);
            return hash.ToHashCode();
        }
    }
}
