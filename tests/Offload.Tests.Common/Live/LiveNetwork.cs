namespace Offload.Tests.Common.Live;

/// <summary>
/// Network namespaces and veth pairs for one test, named uniquely and removed on dispose (also after a failed start).
/// Host-end interfaces get IPv6 off unless they live in a namespace, and checksum offload off, so every frame on
/// the wire carries complete checksums.
/// </summary>
public sealed class LiveNetwork : IDisposable
{
    private readonly List<string> _namespaces = new();
    private readonly List<string> _links = new();
    private static int _sequence;

    public LiveNetwork()
    {
        if (!Shell.IsRoot)
            throw new InvalidOperationException("live network tests need root (network namespaces, veth pairs, raw sockets); make test runs as root in CI");
        foreach (var tool in new[] { "/usr/sbin/ip", "/usr/sbin/ethtool" })
        {
            if (!File.Exists(tool) && !File.Exists(tool.Replace("/usr/sbin", "/sbin")))
                throw new InvalidOperationException($"{Path.GetFileName(tool)} is missing: run scripts/deps.sh test");
        }
        Prefix = $"o{Environment.ProcessId % 1000}{Interlocked.Increment(ref _sequence) % 100}";
    }

    /// <summary>A short per-test prefix for interface and namespace names (Linux allows 15 characters).</summary>
    public string Prefix { get; }

    /// <summary>A veth pair: the switch end stays in the root namespace; the host end moves into a namespace when given.</summary>
    public (string SwitchEnd, string HostEnd) AddLink(string name, string? hostNamespace = null)
    {
        var sw = $"{Prefix}{name}s";
        var host = $"{Prefix}{name}h";
        Offload.Topology.Network.NetworkBuilder.CreateVeth(sw, host);
        _links.Add(sw);
        if (hostNamespace is not null)
            Shell.Check("ip", "link", "set", host, "netns", hostNamespace);
        if (hostNamespace is null)
            Shell.Check("ip", "link", "set", host, "up");
        else
            Exec(hostNamespace, "ip", "link", "set", host, "up");
        return (sw, host);
    }

    public string AddNamespace(string name)
    {
        var ns = $"{Prefix}{name}";
        Shell.Check("ip", "netns", "add", ns);
        _namespaces.Add(ns);
        Exec(ns, "ip", "link", "set", "lo", "up");
        return ns;
    }

    public string Exec(string ns, string file, params string[] args) => Shell.Check("ip", ["netns", "exec", ns, file, .. args]);

    public (int ExitCode, string Output) TryExec(string ns, string file, params string[] args) => Shell.Run("ip", ["netns", "exec", ns, file, .. args]);

    public static string MacOf(string output) =>
        output.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("link/ether", StringComparison.Ordinal)).Split(' ')[1];

    public void Dispose()
    {
        foreach (var link in _links)
            Shell.Run("ip", "link", "del", link);
        foreach (var ns in _namespaces)
        {
            Shell.Run("ip", "netns", "pids", ns).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList()
                .ForEach(pid => Shell.Run("kill", "-9", pid.Trim()));
            Shell.Run("ip", "netns", "del", ns);
        }
    }
}
