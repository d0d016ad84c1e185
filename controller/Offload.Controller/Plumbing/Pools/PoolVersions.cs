using Offload.Controller.Configuration;
using Offload.Controller.Pipeline;
using Offload.P4Runtime.Bytestrings;
using Offload.P4Runtime.Entities;
using Offload.P4Runtime.Schema;
using P4.V1;

namespace Offload.Controller.Plumbing.Pools;

/// <summary>
/// The pool versions of one switch: what it holds (learned by reading vip_pool and backend_select), the entries
/// that state means, and the VIPs whose configured pool differs from the version new flows take.
/// </summary>
public sealed class PoolVersions(P4InfoIndex p4Info)
{
    private Dictionary<int, PoolState> _states = new();
    private byte _epoch = (byte)Random.Shared.Next(1, 256);

    public IReadOnlyDictionary<int, PoolState> States => _states;

    /// <summary>A transit epoch not used by the previous change, never 0 (the value of a cell never written).</summary>
    public byte NextEpoch() => _epoch = _epoch == byte.MaxValue ? (byte)1 : (byte)(_epoch + 1);

    public void Set(PoolState state) => _states[state.VipId] = state;

    /// <summary>The configured pool of every data-plane-select VIP: its backends with weight above zero, each watching its switch port.</summary>
    public static Dictionary<int, PoolMembers> Configured(OffloadConfig config)
    {
        var backends = config.Backends.ToDictionary(b => b.Name);
        return config.Vips.Where(v => v.Mode == VipMode.DataplaneSelect).ToDictionary(v => v.Id,
            v => PoolMembers.Of(v.Pool.Select(n => backends[n]).Where(b => b.Weight > 0).Select(b => new PoolMember(b.Id, b.Weight, b.SwitchPort))));
    }

    /// <summary>
    /// Takes the configuration: VIPs new to the switch start at version 1, VIPs no longer select-mode are forgotten.
    /// Returns the VIPs whose pool changed, with their new members: those need the three-step change.
    /// </summary>
    public IReadOnlyDictionary<int, PoolMembers> Adopt(OffloadConfig config)
    {
        var configured = Configured(config);
        var changed = new Dictionary<int, PoolMembers>();
        var states = new Dictionary<int, PoolState>();
        foreach (var (vipId, members) in configured)
        {
            if (!_states.TryGetValue(vipId, out var state))
                states[vipId] = PoolState.First(vipId, members);
            else
            {
                states[vipId] = state;
                if (!state.CurrentMembers.Equals(members))
                    changed[vipId] = members;
            }
        }
        _states = states;
        return changed;
    }

    /// <summary>vip_pool and backend_select entries for every VIP's state.</summary>
    public IEnumerable<TableEntry> Entries()
    {
        foreach (var state in _states.Values)
        {
            yield return new TableEntryBuilder(p4Info, OffloadP4.VipPool).Exact("vip_id", state.VipId)
                .Action(OffloadP4.SetPoolVersion, ("current", state.Current), ("previous", state.Previous), ("phase", (byte)state.Phase), ("epoch", state.Epoch)).Build();
            foreach (var (version, members) in state.Versions.Where(v => v.Value.Backends.Count > 0))
                yield return new TableEntryBuilder(p4Info, OffloadP4.BackendSelect).Exact("vip_id", state.VipId).Exact("pool_version", version)
                    .ActionSet(members.Backends.Select(b => (OffloadP4.SetBackendId,
                        (IReadOnlyDictionary<string, P4Value>?)new Dictionary<string, P4Value> { ["backend_id"] = b.BackendId }, b.Weight,
                        b.WatchPort == 0 ? null : P4Bytes.Encode(b.WatchPort, 32))))
                    .Build();
        }
    }

    /// <summary>
    /// Learns the versions a switch holds (after a controller restart): vip_pool says the current version, phase and
    /// epoch; backend_select the members of each version.
    /// </summary>
    public void Learn(IEnumerable<TableEntry> entries)
    {
        var vipPool = p4Info.Tables[OffloadP4.VipPool].Preamble.Id;
        var backendSelect = p4Info.Tables[OffloadP4.BackendSelect].Preamble.Id;
        var all = entries.ToList();
        var versions = new Dictionary<int, Dictionary<byte, PoolMembers>>();
        foreach (var entry in all.Where(e => e.TableId == backendSelect && e.Match.Count == 2))
        {
            var vipId = (int)Number(entry, 1);
            var version = (byte)Number(entry, 2);
            var members = entry.Action?.ActionProfileActionSet?.ActionProfileActions
                .Select(a => new PoolMember((int)P4Bytes.ToUInt64(a.Action.Params[0].Value), a.Weight, WatchPort(a))) ?? [];
            (versions.TryGetValue(vipId, out var byVersion) ? byVersion : versions[vipId] = new())[version] = PoolMembers.Of(members);
        }
        var states = new Dictionary<int, PoolState>();
        foreach (var entry in all.Where(e => e.TableId == vipPool && e.Match.Count == 1 && e.Action?.Action is { Params.Count: 4 }))
        {
            var vipId = (int)Number(entry, 1);
            var p = entry.Action.Action.Params.OrderBy(x => x.ParamId).Select(x => (byte)P4Bytes.ToUInt64(x.Value)).ToArray();
            var held = versions.GetValueOrDefault(vipId) ?? new Dictionary<byte, PoolMembers>();
            held.TryAdd(p[0], PoolMembers.Of([]));
            states[vipId] = new PoolState(vipId, held, p[0], p[1], (TransitPhase)p[2], p[3]);
            if (p[3] != 0)
                _epoch = p[3];
        }
        _states = states;
    }

    private static uint WatchPort(ActionProfileAction action) =>
        action.WatchKindCase == ActionProfileAction.WatchKindOneofCase.WatchPort ? (uint)P4Bytes.ToUInt64(action.WatchPort) : 0;

    private static ulong Number(TableEntry entry, uint fieldId) => P4Bytes.ToUInt64(entry.Match.First(m => m.FieldId == fieldId).Exact.Value);
}
