using Offload.P4Runtime.Schema;
using Offload.Simulator.Runtime.ActionProfiles;
using P4.Config.V1;

namespace Offload.Simulator.Runtime.Schema;

internal sealed record CounterSchema(uint Id, string Name, long Size, CounterSpec.Types.Unit Unit);

internal sealed record MeterSchema(uint Id, string Name, long Size, MeterSpec.Types.Unit Unit);

internal sealed record RegisterSchema(uint Id, string Name, long Size, int Width);

internal sealed record DigestSchema(uint Id, string Name, IReadOnlyList<int> MemberWidths);

internal sealed record PacketMetadataSchema(uint Id, string Name, int Width) : INumbered;

/// <summary>The P4Info resolved into what the runtime needs; refuses what the simulator cannot represent.</summary>
internal sealed class PipelineSchema
{
    public PipelineSchema(P4InfoIndex index)
    {
        Index = index;
        var info = index.P4Info;
        Actions = info.Actions.ToDictionary(a => a.Preamble.Id, a => new ActionSchema(a.Preamble.Id, a.Preamble.Name,
            a.Params.Select(p => new ParamSchema(p.Id, p.Name, CheckWidth(p.Bitwidth, $"action {a.Preamble.Name} param {p.Name}"))).ToList()));
        Tables = info.Tables.ToDictionary(t => t.Preamble.Id, BuildTable);
        ActionProfiles = info.ActionProfiles.ToDictionary(p => p.Preamble.Id, p => new ActionProfileSchema(p.Preamble.Id, p.Preamble.Name,
            p.WithSelector, p.Size, p.MaxGroupSize, p.WeightsDisallowed, p.TableIds.ToHashSet()));
        Counters = info.Counters.ToDictionary(c => c.Preamble.Id, c => new CounterSchema(c.Preamble.Id, c.Preamble.Name, c.Size, c.Spec?.Unit ?? CounterSpec.Types.Unit.Both));
        DirectCounters = info.DirectCounters.ToDictionary(c => c.Preamble.Id, c => c.DirectTableId);
        Meters = info.Meters.ToDictionary(m => m.Preamble.Id, m => new MeterSchema(m.Preamble.Id, m.Preamble.Name, m.Size, m.Spec?.Unit ?? MeterSpec.Types.Unit.Bytes));
        Registers = info.Registers.ToDictionary(r => r.Preamble.Id, r => new RegisterSchema(r.Preamble.Id, r.Preamble.Name, r.Size,
            r.TypeSpec?.Bitstring?.Bit?.Bitwidth is int width and > 0 and <= 64 ? width
                : throw P4Error.InvalidArgument($"register {r.Preamble.Name}: only bit<W> cells up to 64 bits are supported")));
        Digests = info.Digests.ToDictionary(d => d.Preamble.Id, d => new DigestSchema(d.Preamble.Id, d.Preamble.Name, DigestWidths(info, d)));
        PacketIn = PacketMetadata(info, "packet_in");
        PacketOut = PacketMetadata(info, "packet_out");
        if (info.DirectMeters.Count > 0)
            throw P4Error.InvalidArgument("direct meters are not supported by the simulator");
    }

    public P4InfoIndex Index { get; }
    public IReadOnlyDictionary<uint, ActionSchema> Actions { get; }
    public IReadOnlyDictionary<uint, TableSchema> Tables { get; }
    public IReadOnlyDictionary<uint, ActionProfileSchema> ActionProfiles { get; }
    public IReadOnlyDictionary<uint, CounterSchema> Counters { get; }
    public IReadOnlyDictionary<uint, uint> DirectCounters { get; }
    public IReadOnlyDictionary<uint, MeterSchema> Meters { get; }
    public IReadOnlyDictionary<uint, RegisterSchema> Registers { get; }
    public IReadOnlyDictionary<uint, DigestSchema> Digests { get; }
    public IReadOnlyList<PacketMetadataSchema> PacketIn { get; }
    public IReadOnlyList<PacketMetadataSchema> PacketOut { get; }

    public TableSchema Table(string name) => Tables[Index.Tables[name].Preamble.Id];
    public uint ActionId(string name) => Index.Actions[name].Preamble.Id;

    private TableSchema BuildTable(Table t)
    {
        var fields = t.MatchFields.Select(f => new FieldSchema(f.Id, f.Name, CheckWidth(f.Bitwidth, $"table {t.Preamble.Name} field {f.Name}"), f.MatchType switch
        {
            MatchField.Types.MatchType.Exact => MatchKind.Exact,
            MatchField.Types.MatchType.Lpm => MatchKind.Lpm,
            MatchField.Types.MatchType.Ternary => MatchKind.Ternary,
            MatchField.Types.MatchType.Range => MatchKind.Range,
            MatchField.Types.MatchType.Optional => MatchKind.Optional,
            _ => throw P4Error.InvalidArgument($"table {t.Preamble.Name} field {f.Name}: match type {f.MatchType} is not supported"),
        })).ToList();
        var actions = t.ActionRefs.ToDictionary(r => r.Id, r => Actions.TryGetValue(r.Id, out var a)
            ? (a, r.Scope)
            : throw P4Error.InvalidArgument($"table {t.Preamble.Name} refers to unknown action id {r.Id}"));
        var initialId = t.InitialDefaultAction?.ActionId ?? t.ConstDefaultActionId;
        if (initialId == 0)
            initialId = actions.Keys.FirstOrDefault(id => Actions[id].Name == "NoAction");
        var initialArgs = t.InitialDefaultAction?.Arguments.Select(a => Values.Parse(a.Value, Actions[initialId].Params.First(p => p.Id == a.ParamId).Width, "initial default argument")).ToArray()
            ?? ActionCall.NoArgs;
        var directCounter = t.DirectResourceIds.FirstOrDefault(id => id >> 24 == (uint)P4Ids.Types.Prefix.DirectCounter);
        var directMeter = t.DirectResourceIds.FirstOrDefault(id => id >> 24 == (uint)P4Ids.Types.Prefix.DirectMeter);
        return new TableSchema
        {
            Id = t.Preamble.Id,
            Name = t.Preamble.Name,
            Fields = fields,
            Actions = actions,
            Size = t.Size > 0 ? t.Size : 1024,
            SupportsIdleTimeout = t.IdleTimeoutBehavior == P4.Config.V1.Table.Types.IdleTimeoutBehavior.NotifyControl,
            DirectCounterId = directCounter,
            DirectMeterId = directMeter,
            ActionProfileId = t.ImplementationId,
            ConstDefaultActionId = t.ConstDefaultActionId,
            InitialDefault = new ActionCall(initialId, initialArgs.Length > 0 ? initialArgs : ActionCall.NoArgs),
        };
    }

    private static int CheckWidth(int width, string what) =>
        width is > 0 and <= Values.MaxWidth
            ? width
            : throw P4Error.InvalidArgument($"{what}: bitwidth {width} is not supported (1..{Values.MaxWidth})");

    private static IReadOnlyList<int> DigestWidths(P4Info info, Digest digest)
    {
        var structName = digest.TypeSpec?.Struct?.Name;
        if (structName is null || info.TypeInfo is null || !info.TypeInfo.Structs.TryGetValue(structName, out var type))
            throw P4Error.InvalidArgument($"digest {digest.Preamble.Name}: its struct type is missing from type_info");
        return type.Members.Select(m => m.TypeSpec?.Bitstring?.Bit?.Bitwidth
            ?? throw P4Error.InvalidArgument($"digest {digest.Preamble.Name}: member {m.Name} is not a bit<W>")).ToList();
    }

    private static IReadOnlyList<PacketMetadataSchema> PacketMetadata(P4Info info, string name) =>
        info.ControllerPacketMetadata.FirstOrDefault(m => m.Preamble.Name == name)?.Metadata
            .Select(m => new PacketMetadataSchema(m.Id, m.Name, m.Bitwidth)).ToList()
        ?? (IReadOnlyList<PacketMetadataSchema>)[];
}
