namespace Offload.Tests.Common;

/// <summary>Locates files of the repository from a test's working directory.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        if (Environment.GetEnvironmentVariable("OFFLOAD_REPO") is { Length: > 0 } configured)
            return configured;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Offload.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"Offload.sln not found above {AppContext.BaseDirectory}");
    });

    public static string Root => RootPath.Value;

    public static string Get(params string[] parts) => Path.Combine([Root, .. parts]);
}
