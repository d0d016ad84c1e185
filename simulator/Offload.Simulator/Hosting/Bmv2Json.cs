using System.Text.Json;
using Offload.P4Runtime.Schema;

namespace Offload.Simulator.Hosting;

/// <summary>The BMv2 JSON simple_switch takes as its positional argument: is it p4c's output for offload.p4?</summary>
internal static class Bmv2Json
{
    /// <summary>Null when every table of the P4Info is in the JSON's pipelines; otherwise why the file is not offload.p4.</summary>
    public static string? WhyNotOffload(string path, P4InfoIndex p4Info)
    {
        JsonDocument document;
        try
        {
            using var stream = File.OpenRead(path);
            document = JsonDocument.Parse(stream);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"{path}: {ex.Message}";
        }
        catch (JsonException ex)
        {
            return $"{path} is not a BMv2 JSON: {ex.Message}";
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("pipelines", out var pipelines) || pipelines.ValueKind != JsonValueKind.Array)
                return $"{path} is not a BMv2 JSON (no \"pipelines\" array)";
            var tables = pipelines.EnumerateArray()
                .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("tables", out var t) && t.ValueKind == JsonValueKind.Array)
                .SelectMany(p => p.GetProperty("tables").EnumerateArray())
                .Where(t => t.ValueKind == JsonValueKind.Object && t.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String)
                .Select(t => t.GetProperty("name").GetString()!)
                .ToHashSet(StringComparer.Ordinal);
            var missing = p4Info.Tables.All.Select(t => t.Preamble.Name).FirstOrDefault(name => !tables.Contains(name));
            if (missing is null)
                return null;
            var program = root.TryGetProperty("program", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : "an unnamed program";
            return $"{path} is {program}, not offload.p4 (it has no table {missing}); offload-sim runs offload.p4 only";
        }
    }
}
