using Offload.P4Runtime.Schema;
using P4.Config.V1;

namespace Offload.Simulator.Device;

/// <summary>
/// The P4Info of p4/offload.p4 the simulator executes, and the check that a submitted P4Info is that program:
/// every table, action, profile, counter, meter, register, digest and controller header with the same id, name and widths.
/// </summary>
internal static class OffloadP4Info
{
    private static readonly Lazy<P4InfoIndex> Reference = new(() =>
    {
        using var stream = typeof(OffloadP4Info).Assembly.GetManifestResourceStream("offload.p4info.txtpb")
            ?? throw new InvalidOperationException("offload.p4info.txtpb is not embedded");
        using var reader = new StreamReader(stream);
        return P4InfoIndex.FromText(reader.ReadToEnd(), "offload.p4info.txtpb");
    });

    public static P4InfoIndex Index => Reference.Value;

    /// <summary>The differences between a submitted P4Info and offload.p4's; empty when it is offload.p4's.</summary>
    public static IReadOnlyList<string> Differences(P4Info submitted)
    {
        var expected = Describe(Index.P4Info);
        var actual = Describe(submitted);
        var problems = new List<string>();
        foreach (var (name, shape) in expected)
        {
            if (!actual.TryGetValue(name, out var got))
                problems.Add($"missing {name}");
            else if (got != shape)
                problems.Add($"{name} differs: expected {shape}, got {got}");
        }
        problems.AddRange(actual.Keys.Where(k => !expected.ContainsKey(k)).Select(k => $"unexpected {k}"));
        return problems;
    }

    private static Dictionary<string, string> Describe(P4Info info)
    {
        var shapes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var t in info.Tables)
            shapes[$"table {t.Preamble.Name}"] = $"id {t.Preamble.Id} key ({string.Join(", ", t.MatchFields.Select(f => $"{f.Id}:{f.Name}:{f.MatchType}:{f.Bitwidth}"))})"
                + $" actions ({string.Join(", ", t.ActionRefs.Select(a => a.Id).Order())}) impl {t.ImplementationId} idle {t.IdleTimeoutBehavior}";
        foreach (var a in info.Actions)
            shapes[$"action {a.Preamble.Name}"] = $"id {a.Preamble.Id} ({string.Join(", ", a.Params.Select(p => $"{p.Id}:{p.Name}:{p.Bitwidth}"))})";
        foreach (var p in info.ActionProfiles)
            shapes[$"action profile {p.Preamble.Name}"] = $"id {p.Preamble.Id} selector {p.WithSelector}";
        foreach (var c in info.Counters)
            shapes[$"counter {c.Preamble.Name}"] = $"id {c.Preamble.Id} size {c.Size}";
        foreach (var c in info.DirectCounters)
            shapes[$"direct counter {c.Preamble.Name}"] = $"id {c.Preamble.Id} table {c.DirectTableId}";
        foreach (var m in info.Meters)
            shapes[$"meter {m.Preamble.Name}"] = $"id {m.Preamble.Id} size {m.Size} unit {m.Spec?.Unit}";
        foreach (var r in info.Registers)
            shapes[$"register {r.Preamble.Name}"] = $"id {r.Preamble.Id} size {r.Size} width {r.TypeSpec?.Bitstring?.Bit?.Bitwidth}";
        foreach (var d in info.Digests)
            shapes[$"digest {d.Preamble.Name}"] = $"id {d.Preamble.Id}";
        foreach (var h in info.ControllerPacketMetadata)
            shapes[$"controller header {h.Preamble.Name}"] = $"id {h.Preamble.Id} ({string.Join(", ", h.Metadata.Select(m => $"{m.Id}:{m.Name}:{m.Bitwidth}"))})";
        return shapes;
    }
}
