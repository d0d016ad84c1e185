namespace Offload.Tests.Common.Live;

/// <summary>Runs system commands (ip, ethtool, sysctl) for tests that build real networks.</summary>
public static class Shell
{
    public static bool IsRoot => Offload.Topology.Network.SystemCommand.IsRoot;

    public static (int ExitCode, string Output) Run(string file, params string[] args) => Offload.Topology.Network.SystemCommand.Run(file, args);

    public static (int ExitCode, string Output) RunWithEnvironment(IReadOnlyDictionary<string, string> environment, string file, params string[] args) =>
        Offload.Topology.Network.SystemCommand.Run(environment, file, args);

    public static string Check(string file, params string[] args) => Offload.Topology.Network.SystemCommand.Check(file, args);
}
