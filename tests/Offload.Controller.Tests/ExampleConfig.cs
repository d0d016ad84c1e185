using Offload.Controller.Configuration;
using Offload.Controller.LoadBalancing;

namespace Offload.Controller.Tests;

/// <summary>controller/offload.example.yaml, as tests load and edit it.</summary>
internal static class ExampleConfig
{
    public static readonly LoadBalancingPolicyRegistry Policies = new();

    public static string Yaml => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "offload.example.yaml"));

    public static OffloadConfig Load(Func<string, string>? edit = null, string name = "example.yaml") =>
        ConfigLoader.Load(edit?.Invoke(Yaml) ?? Yaml, name, n => Policies.TryGet(n, out _));

    /// <summary>The example written into <paramref name="directory"/> as offload.yaml, its switch at 127.0.0.1:<paramref name="switchPort"/>; returns the path.</summary>
    public static string WriteTo(DirectoryInfo directory, int switchPort)
    {
        var path = Path.Combine(directory.FullName, "offload.yaml");
        File.WriteAllText(path, Yaml.Replace("address: 127.0.0.1:9559", $"address: 127.0.0.1:{switchPort}"));
        return path;
    }

    /// <summary>The configuration's switch pointed at an in-process offload-sim.</summary>
    public static string OnSimulator(string yaml, Offload.Tests.Common.Simulator.SimulatorHarness sim) =>
        yaml.Replace("address: 127.0.0.1:9559", $"address: {sim.Address}").Replace("device_id: 0", $"device_id: {Offload.Tests.Common.Simulator.SimulatorHarness.DeviceId}");

    /// <summary>The web VIP on web1 only, also delivered to an IDS (port 3) and a second implementation at 10.0.4.4 (port 4).</summary>
    public static string DeliveredToTwoApplications(string yaml) =>
        yaml.Replace("pool: [web1, web2, web3]", "pool: [web1]\n    deliver_to: [ids, impl2]") + """

            applications:
              - name: ids
                switch_port: 3
                mac: 00:00:00:00:03:03
              - name: impl2
                switch_port: 4
                mac: 00:00:00:00:04:04
                address: 10.0.4.4
            """;
}
