namespace Offload.Controller.Configuration;

/// <summary>
/// The ids offload.p4 keys its tables and counters by. An explicit <c>id</c> is kept; a missing one is derived from
/// the name (a stable hash, probing past ids already taken), so reordering the file never renumbers anything.
/// A VIP without <c>vmac</c> gets the locally administered 02:00:00:00:HH:LL from its id.
/// </summary>
internal static class Identifiers
{
    public const int MaxBackendId = 4095;
    public const int MaxVipId = 1023;
    public const int MaxApplicationId = 1023;

    public static OffloadConfig Assign(OffloadConfig config, List<string> errors)
    {
        var backendIds = Allocate(config.Backends.Select(b => (b.Name, b.Id, b.Location)), MaxBackendId, "backend", errors);
        var vipIds = Allocate(config.Vips.Select(v => (v.Name, v.Id, v.Location)), MaxVipId, "VIP", errors);
        var applicationIds = Allocate(config.Applications.Select(a => (a.Name, a.Id, a.Location)), MaxApplicationId, "application", errors);
        return config with
        {
            Backends = config.Backends.Select((b, i) => b with { Id = backendIds[i] }).ToList(),
            Vips = config.Vips.Select((v, i) => v with
            {
                Id = vipIds[i],
                Vmac = v.Vmac.Length > 0 ? v.Vmac : $"02:00:00:00:{vipIds[i] >> 8:x2}:{vipIds[i] & 0xff:x2}",
            }).ToList(),
            Applications = config.Applications.Select((a, i) => a with { Id = applicationIds[i] }).ToList(),
        };
    }

    private static int[] Allocate(IEnumerable<(string Name, int Id, ConfigLocation Location)> items, int max, string what, List<string> errors)
    {
        var list = items.ToList();
        var ids = new int[list.Count];
        var taken = new Dictionary<int, string>();
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].Id == 0)
                continue;
            if (!taken.TryAdd(list[i].Id, list[i].Name))
                errors.Add($"{list[i].Location}: {what} {list[i].Name}: id {list[i].Id} is already {taken[list[i].Id]}'s");
            ids[i] = list[i].Id;
        }
        foreach (var i in Enumerable.Range(0, list.Count).Where(i => list[i].Id == 0).OrderBy(i => list[i].Name, StringComparer.Ordinal))
        {
            if (taken.Count >= max)
            {
                errors.Add($"{list[i].Location}: {what} {list[i].Name}: more than {max} {what}s");
                break;
            }
            var id = (int)(Fnv(list[i].Name) % (uint)max) + 1;
            while (taken.ContainsKey(id))
                id = id % max + 1;
            taken[id] = list[i].Name;
            ids[i] = id;
        }
        return ids;
    }

    private static uint Fnv(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
            hash = (hash ^ c) * 16777619u;
        return hash;
    }
}
