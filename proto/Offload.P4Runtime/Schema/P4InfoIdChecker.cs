using P4.Config.V1;
using Prefix = P4.Config.V1.P4Ids.Types.Prefix;

namespace Offload.P4Runtime.Schema;

/// <summary>
/// Recomputes p4c's ID assignment for every object of a P4Info and reports each difference, so a
/// hand-maintained P4Info stays what the compiler would have produced.
/// </summary>
public static class P4InfoIdChecker
{
    /// <param name="source">@id pins and controller header types from the P4 program (p4c copies neither into the P4Info);
    /// without it, "@id(N)" entries in a preamble's annotations still count and controller headers are left unchecked.</param>
    /// <param name="pinnedIds">further @id values by fully-qualified object name.</param>
    public static P4InfoIdReport Check(P4.Config.V1.P4Info info, P4SourceFacts? source = null, IReadOnlyDictionary<string, uint>? pinnedIds = null)
    {
        var problems = new List<string>();
        var uncheckable = new List<string>();
        var objects = Objects(info).ToList();
        var used = new HashSet<uint>();

        // Pass 1: @id annotations are honoured first (an unprefixed value gets the type prefix).
        var expected = new Dictionary<(Prefix, string), uint>();
        foreach (var (prefix, preamble) in objects)
        {
            if (PinOf(preamble, source, pinnedIds) is not { } id)
                continue;
            if (id >> 24 == 0)
                id = P4IdAllocation.Compose(prefix, id);
            else if ((Prefix)(id >> 24) != prefix)
            {
                problems.Add($"{preamble.Name}: @id 0x{id:x8} has prefix 0x{id >> 24:x2}, expected 0x{(int)prefix:x2} ({prefix})");
                continue;
            }
            if (!used.Add(id))
                problems.Add($"{preamble.Name}: @id 0x{id:x8} is used twice");
            expected[(prefix, preamble.Name)] = id;
        }

        // Pass 2: per type, names in sorted order get hashed ids, probing past collisions. p4c hashes a
        // controller header's type name (packet_in_t), while the P4Info names it by its annotation (packet_in).
        foreach (var group in objects.Where(o => !expected.ContainsKey((o.Prefix, o.Preamble.Name)))
                     .Select(o => (o.Prefix, o.Preamble, Hashed: HashedName(o.Prefix, o.Preamble, source)))
                     .GroupBy(o => o.Prefix))
        {
            foreach (var (prefix, preamble, hashed) in group.OrderBy(o => o.Hashed ?? o.Preamble.Name, StringComparer.Ordinal))
            {
                if (hashed is null)
                {
                    uncheckable.Add($"{prefix} {preamble.Name}: p4c hashes the name of the header type annotated @controller_header(\"{preamble.Name}\"), which only the P4 source gives");
                    continue;
                }
                var hash = P4IdAllocation.JenkinsOneAtATime(hashed);
                var id = P4IdAllocation.Compose(prefix, hash);
                while (!used.Add(id))
                    id = P4IdAllocation.Compose(prefix, ++hash);
                expected[(prefix, preamble.Name)] = id;
            }
        }

        foreach (var (prefix, preamble) in objects)
        {
            var want = expected.GetValueOrDefault((prefix, preamble.Name));
            if (want != 0 && preamble.Id != want)
                problems.Add($"{prefix} {preamble.Name}: id {preamble.Id} (0x{preamble.Id:x8}), p4c assigns {want} (0x{want:x8})");
        }
        CheckLocalIds(info, problems);
        return new P4InfoIdReport(problems, uncheckable);
    }

    private static uint? PinOf(Preamble preamble, P4SourceFacts? source, IReadOnlyDictionary<string, uint>? pinnedIds)
    {
        if (pinnedIds is not null && pinnedIds.TryGetValue(preamble.Name, out var pinned))
            return pinned;
        if (source is not null && source.PinnedIds.TryGetValue(LocalName(preamble.Name), out var declared))
            return declared;
        return P4IdAllocation.AnnotatedId(preamble);
    }

    private static string? HashedName(Prefix prefix, Preamble preamble, P4SourceFacts? source)
    {
        if (prefix != Prefix.ControllerHeader)
            return preamble.Name;
        return source?.ControllerHeaderTypes.GetValueOrDefault(preamble.Name);
    }

    private static string LocalName(string name) => name[(name.LastIndexOf('.') + 1)..];

    private static void CheckLocalIds(P4.Config.V1.P4Info info, List<string> problems)
    {
        foreach (var table in info.Tables)
            CheckUnique(table.Preamble.Name, "match field", table.MatchFields.Select(f => (f.Id, f.Name)), problems);
        foreach (var action in info.Actions)
            CheckUnique(action.Preamble.Name, "parameter", action.Params.Select(p => (p.Id, p.Name)), problems);
        foreach (var header in info.ControllerPacketMetadata)
            CheckUnique(header.Preamble.Name, "metadata", header.Metadata.Select(m => (m.Id, m.Name)), problems);
    }

    private static void CheckUnique(string owner, string kind, IEnumerable<(uint Id, string Name)> items, List<string> problems)
    {
        var ids = new HashSet<uint>();
        var names = new HashSet<string>();
        foreach (var (id, name) in items)
        {
            if (id == 0)
                problems.Add($"{owner}: {kind} '{name}' has id 0");
            else if (!ids.Add(id))
                problems.Add($"{owner}: {kind} id {id} is used twice");
            if (!names.Add(name))
                problems.Add($"{owner}: {kind} '{name}' appears twice");
        }
    }

    public static IEnumerable<(Prefix Prefix, Preamble Preamble)> Objects(P4.Config.V1.P4Info info)
    {
        foreach (var x in info.Tables) yield return (Prefix.Table, x.Preamble);
        foreach (var x in info.Actions) yield return (Prefix.Action, x.Preamble);
        foreach (var x in info.ActionProfiles) yield return (Prefix.ActionProfile, x.Preamble);
        foreach (var x in info.Counters) yield return (Prefix.Counter, x.Preamble);
        foreach (var x in info.DirectCounters) yield return (Prefix.DirectCounter, x.Preamble);
        foreach (var x in info.Meters) yield return (Prefix.Meter, x.Preamble);
        foreach (var x in info.DirectMeters) yield return (Prefix.DirectMeter, x.Preamble);
        foreach (var x in info.ControllerPacketMetadata) yield return (Prefix.ControllerHeader, x.Preamble);
        foreach (var x in info.ValueSets) yield return (Prefix.ValueSet, x.Preamble);
        foreach (var x in info.Registers) yield return (Prefix.Register, x.Preamble);
        foreach (var x in info.Digests) yield return (Prefix.Digest, x.Preamble);
    }
}

/// <param name="Problems">ids that differ from p4c's assignment, and malformed or duplicate local ids</param>
/// <param name="Unchecked">objects whose id cannot be recomputed without the P4 source</param>
public sealed record P4InfoIdReport(IReadOnlyList<string> Problems, IReadOnlyList<string> Unchecked);
