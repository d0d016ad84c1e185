using System.Text.Json;
using System.Text.Json.Serialization;

namespace Offload.Topology.Running;

/// <summary>A process a run started: enough to find it again (its start time guards against a reused pid).</summary>
public sealed record StartedProcess(string Name, int Pid, ulong StartTicks, string Log);

/// <summary>
/// What a running topology created, written to /run/offload-topo/PREFIX/state.json after every step, so
/// `offload-topo down` can remove it all even after the run that made it was killed.
/// </summary>
public sealed class RunState
{
    public string Prefix { get; set; } = "";
    public string Topology { get; set; } = "";
    public int RunnerPid { get; set; }
    public DateTimeOffset Started { get; set; }
    public List<string> Namespaces { get; set; } = [];
    public List<string> Links { get; set; } = [];
    public List<StartedProcess> Processes { get; set; } = [];

    public static string Root => Environment.GetEnvironmentVariable("OFFLOAD_TOPO_RUN_DIR") ?? "/run/offload-topo";

    /// <summary>The directory of a run; the prefix must be a topology name (1 to 6 lower-case letters or digits).</summary>
    public static string DirectoryOf(string prefix)
    {
        CheckPrefix(prefix);
        return Path.Combine(Root, prefix);
    }

    public static void CheckPrefix(string prefix)
    {
        if (!IsPrefix(prefix))
            throw new ArgumentException($"'{prefix}' is not a topology name or prefix: 1 to 6 lower-case letters or digits");
    }

    public string Directory => DirectoryOf(Prefix);

    public void Save()
    {
        System.IO.Directory.CreateDirectory(Directory);
        var temp = Path.Combine(Directory, "state.json.tmp");
        File.WriteAllText(temp, JsonSerializer.Serialize(this, RunStateJson.Default.RunState));
        File.Move(temp, Path.Combine(Directory, "state.json"), overwrite: true);
    }

    public static RunState? Load(string prefix)
    {
        var path = Path.Combine(DirectoryOf(prefix), "state.json");
        if (!File.Exists(path))
            return null;
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), RunStateJson.Default.RunState);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static IEnumerable<string> Prefixes() =>
        System.IO.Directory.Exists(Root)
            ? System.IO.Directory.GetDirectories(Root).Select(Path.GetFileName).OfType<string>().Where(IsPrefix)
            : [];

    private static bool IsPrefix(string name) => name.Length is > 0 and <= 6 && name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9');
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(RunState))]
internal sealed partial class RunStateJson : JsonSerializerContext;
