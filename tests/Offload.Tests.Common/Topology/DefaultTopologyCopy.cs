using Offload.Topology.Model;

namespace Offload.Tests.Common.Topology;

/// <summary>
/// topologies/default.yaml and its controller configuration, copied into a temporary directory with free P4Runtime
/// and admin ports, run under a prefix of its own so nothing clashes with another run (tests and benchmarks).
/// </summary>
public sealed class DefaultTopologyCopy : IDisposable
{
    private static int _sequence;
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("offload-topo-");

    /// <param name="standbyController">add controller c2 with the same configuration but election id 5: c1's backup</param>
    public DefaultTopologyCopy(Func<string, string>? editController = null, bool standbyController = false)
    {
        var p4runtime = FreePorts.Next();
        var admin = FreePorts.Next();
        var topology = File.ReadAllText(RepoPaths.Get("topologies", "default.yaml"))
            .Replace("p4runtime_port: 9559", $"p4runtime_port: {p4runtime}")
            .Replace("admin: 127.0.0.1:9580", $"admin: 127.0.0.1:{admin}");
        var controller = File.ReadAllText(RepoPaths.Get("topologies", "default.controller.yaml"))
            .Replace("address: 127.0.0.1:9559", $"address: 127.0.0.1:{p4runtime}");
        controller = editController?.Invoke(controller) ?? controller;
        if (standbyController)
        {
            topology += $"  - name: c2\n    config: standby.controller.yaml\n    admin: 127.0.0.1:{FreePorts.Next()}\n";
            File.WriteAllText(System.IO.Path.Combine(_directory.FullName, "standby.controller.yaml"), controller.Replace("election_id: 10", "election_id: 5"));
        }
        Path = System.IO.Path.Combine(_directory.FullName, "default.yaml");
        File.WriteAllText(Path, topology);
        File.WriteAllText(System.IO.Path.Combine(_directory.FullName, "default.controller.yaml"), controller);
        Spec = TopologyLoader.LoadFile(Path);
        Prefix = $"t{Environment.ProcessId % 100}{Interlocked.Increment(ref _sequence) % 100}";
    }

    public string Path { get; }
    public TopologySpec Spec { get; }
    public string Prefix { get; }

    public void Dispose() => _directory.Delete(recursive: true);
}
