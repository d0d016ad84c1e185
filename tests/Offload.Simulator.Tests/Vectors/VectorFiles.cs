using Offload.Tests.Common;

namespace Offload.Simulator.Tests.Vectors;

internal static class VectorFiles
{
    public static string Root => Path.Combine(RepoPaths.Root, "tests", "vectors");

    /// <summary>Every vector file, relative to tests/vectors; files named base*.yaml only hold shared entries.</summary>
    public static IEnumerable<string> All() =>
        Directory.EnumerateFiles(Root, "*.yaml", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).StartsWith("base", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Root, f))
            .Order(StringComparer.Ordinal);
}
