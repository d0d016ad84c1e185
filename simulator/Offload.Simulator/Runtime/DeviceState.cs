using Offload.Simulator.Runtime.ActionProfiles;
using Offload.Simulator.Runtime.Externs;
using Offload.Simulator.Runtime.Replication;
using Offload.Simulator.Runtime.Schema;
using Offload.Simulator.Runtime.Tables;

namespace Offload.Simulator.Runtime;

/// <summary>
/// The forwarding state of one committed pipeline: every table, action profile, counter, meter, register, digest and
/// replication entry. <see cref="Gate"/> serializes P4Runtime writes with packet processing.
/// </summary>
internal sealed class DeviceState
{
    public DeviceState(PipelineSchema schema, Action<P4.V1.DigestList> sendDigest)
    {
        Schema = schema;
        Tables = schema.Tables.Values.ToDictionary(t => t.Id, t => new TableStore(t));
        ActionProfiles = schema.ActionProfiles.Values.ToDictionary(p => p.Id, p => new ActionProfileStore(p));
        Counters = schema.Counters.Values.ToDictionary(c => c.Id, c => new CounterStore(c.Id, c.Name, c.Size));
        Meters = schema.Meters.Values.ToDictionary(m => m.Id, m => new MeterStore(m.Id, m.Name, m.Size, m.Unit == P4.Config.V1.MeterSpec.Types.Unit.Packets));
        Registers = schema.Registers.Values.ToDictionary(r => r.Id, r => new RegisterStore(r.Id, r.Name, r.Size, r.Width));
        Digests = new DigestEngine(sendDigest);
    }

    public object Gate { get; } = new();
    public PipelineSchema Schema { get; }
    public IReadOnlyDictionary<uint, TableStore> Tables { get; }
    public IReadOnlyDictionary<uint, ActionProfileStore> ActionProfiles { get; }
    public IReadOnlyDictionary<uint, CounterStore> Counters { get; }
    public IReadOnlyDictionary<uint, MeterStore> Meters { get; }
    public IReadOnlyDictionary<uint, RegisterStore> Registers { get; }
    public DigestEngine Digests { get; }
    public ReplicationEngine Replication { get; } = new();

    public TableStore Table(string name) => Tables[Schema.Table(name).Id];
    public CounterStore Counter(string name) => Counters[Schema.Index.Counters[name].Preamble.Id];
    public MeterStore Meter(string name) => Meters[Schema.Index.Meters[name].Preamble.Id];
    public RegisterStore Register(string name) => Registers[Schema.Index.Registers[name].Preamble.Id];

    /// <summary>The action an indirect table's entry runs for a packet with this selector hash.</summary>
    public ActionCall? Resolve(TableStore table, TableEntryState entry, uint hash, Func<uint, bool> isPortUp)
    {
        if (entry.Action is not null)
            return entry.Action;
        if (table.ExtrasOf(entry)?.Indirect is not { } indirect)
            return null;
        var profile = ActionProfiles[table.Schema.ActionProfileId];
        if (indirect.ActionSet is { } set)
            return ActionProfileStore.Select(set.Actions, hash, isPortUp);
        if (indirect.MemberId != 0)
            return profile.TryGetMember(indirect.MemberId, out var action) ? action : null;
        return profile.SelectFromGroup(indirect.GroupId, hash, isPortUp);
    }
}
