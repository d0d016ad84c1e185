using Google.Protobuf;
using P4.Config.V1;
using Action = P4.Config.V1.Action;

namespace Offload.P4Runtime.Schema;

/// <summary>An immutable index of a P4Info: every object by name, alias and id.</summary>
public sealed class P4InfoIndex
{
    public P4InfoIndex(P4.Config.V1.P4Info info)
    {
        P4Info = info;
        Tables = new("table", info.Tables, t => t.Preamble);
        Actions = new("action", info.Actions, a => a.Preamble);
        ActionProfiles = new("action profile", info.ActionProfiles, a => a.Preamble);
        Counters = new("counter", info.Counters, c => c.Preamble);
        DirectCounters = new("direct counter", info.DirectCounters, c => c.Preamble);
        Meters = new("meter", info.Meters, m => m.Preamble);
        DirectMeters = new("direct meter", info.DirectMeters, m => m.Preamble);
        PacketMetadata = new("controller packet metadata", info.ControllerPacketMetadata,
            c => c.Preamble);
        Digests = new("digest", info.Digests, d => d.Preamble);
        Registers = new("register", info.Registers, r => r.Preamble);
        ValueSets = new("value set", info.ValueSets, v => v.Preamble);
        foreach (var table in info.Tables)
            foreach (var reference in table.ActionRefs)
                if (!Actions.TryGet(reference.Id, out _))
                    throw new P4InfoException($"table '{table.Preamble.Name}' refers to unknown action id {reference.Id}");
    }

    public P4.Config.V1.P4Info P4Info { get; }
    public NamedObjects<Table> Tables { get; }
    public NamedObjects<Action> Actions { get; }
    public NamedObjects<ActionProfile> ActionProfiles { get; }
    public NamedObjects<Counter> Counters { get; }
    public NamedObjects<DirectCounter> DirectCounters { get; }
    public NamedObjects<Meter> Meters { get; }
    public NamedObjects<DirectMeter> DirectMeters { get; }
    public NamedObjects<ControllerPacketMetadata> PacketMetadata { get; }
    public NamedObjects<Digest> Digests { get; }
    public NamedObjects<Register> Registers { get; }
    public NamedObjects<ValueSet> ValueSets { get; }

    /// <summary>Loads .txtpb / .txt / .pb.txt as text format, anything else as binary.</summary>
    public static P4InfoIndex Load(string path)
    {
        if (!File.Exists(path))
            throw new P4InfoException($"P4Info file '{path}' not found");
        try
        {
            var isText = path.EndsWith(".txt", StringComparison.OrdinalIgnoreCase)
                         || path.EndsWith(".txtpb", StringComparison.OrdinalIgnoreCase);
            return isText ? FromText(File.ReadAllText(path), path) : FromBinary(File.ReadAllBytes(path), path);
        }
        catch (FormatException ex)
        {
            throw new P4InfoException($"cannot parse P4Info: {ex.Message}", ex);
        }
    }

    public static P4InfoIndex FromText(string text, string source = "<p4info>") =>
        new(TextFormatParser.Parse(text, P4.Config.V1.P4Info.Parser, source));

    public static P4InfoIndex FromBinary(byte[] bytes, string source = "<p4info>")
    {
        try
        {
            return new(P4.Config.V1.P4Info.Parser.ParseFrom(bytes));
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new P4InfoException($"{source}: not a binary P4Info: {ex.Message}", ex);
        }
    }

    public MatchField MatchField(Table table, string name) =>
        table.MatchFields.FirstOrDefault(f => f.Name == name)
        ?? throw new P4InfoException($"table '{table.Preamble.Name}' has no match field '{name}'; fields: " +
                                     string.Join(", ", table.MatchFields.Select(f => f.Name)));

    public static Action.Types.Param Param(Action action, string name) =>
        action.Params.FirstOrDefault(p => p.Name == name)
        ?? throw new P4InfoException($"action '{action.Preamble.Name}' has no parameter '{name}'" +
                                     (action.Params.Count == 0 ? "; it takes none" : "; parameters: " +
                                         string.Join(", ", action.Params.Select(p => p.Name))));

    /// <summary>Checks that an action may be used in a table, as a table entry or as its default.</summary>
    public ActionRef ActionRef(Table table, Action action, bool asDefault)
    {
        var reference = table.ActionRefs.FirstOrDefault(r => r.Id == action.Preamble.Id)
                        ?? throw new P4InfoException($"action '{action.Preamble.Name}' is not an action of table " +
                                                     $"'{table.Preamble.Name}'; its actions: " + string.Join(", ",
                                                         table.ActionRefs.Select(r => Actions[r.Id].Preamble.Name)));
        if (asDefault && reference.Scope == P4.Config.V1.ActionRef.Types.Scope.TableOnly)
            throw new P4InfoException($"action '{action.Preamble.Name}' is @tableonly in '{table.Preamble.Name}': not a default action");
        if (!asDefault && reference.Scope == P4.Config.V1.ActionRef.Types.Scope.DefaultOnly)
            throw new P4InfoException($"action '{action.Preamble.Name}' is @defaultonly in '{table.Preamble.Name}': not for entries");
        return reference;
    }

    /// <summary>True when entries of the table need a priority (a ternary, range or optional field).</summary>
    public static bool NeedsPriority(Table table) => table.MatchFields.Any(f =>
        f.MatchType is P4.Config.V1.MatchField.Types.MatchType.Ternary
            or P4.Config.V1.MatchField.Types.MatchType.Range
            or P4.Config.V1.MatchField.Types.MatchType.Optional);
}
