using System.Globalization;
using Offload.Bench;

// Usage: Offload.Bench [grpc|sim|controller|failover|switch-failover|replication|multiplex|health|topology|all] [--seconds N]
if (args is ["health-backends", var first, var count])
    return await HealthBackends.RunAsync(int.Parse(first, CultureInfo.InvariantCulture), int.Parse(count, CultureInfo.InvariantCulture));
var seconds = 3.0;
var suites = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--seconds" && i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0)
    {
        seconds = s;
        i++;
    }
    else if (args[i] is "grpc" or "sim" or "controller" or "health" or "topology" or "failover" or "switch-failover" or "replication" or "multiplex")
        suites.Add(args[i]);
    else if (args[i] is "all")
        suites.AddRange(["grpc", "sim", "controller", "failover", "switch-failover", "replication", "multiplex", "health", "topology"]);
    else
    {
        Console.Error.WriteLine($"unknown argument '{args[i]}'; usage: Offload.Bench [grpc|sim|controller|failover|switch-failover|replication|multiplex|health|topology|all] [--seconds N]");
        return 2;
    }
}
if (suites.Count == 0)
    suites.AddRange(["grpc", "sim", "controller", "failover", "switch-failover", "replication", "multiplex", "health", "topology"]);
var duration = TimeSpan.FromSeconds(seconds);
foreach (var suite in suites.Distinct())
{
    if (suite == "grpc")
        await GrpcSuite.RunAsync(duration);
    else if (suite == "sim")
        await SimulatorSuite.RunAsync(duration);
    else if (suite == "topology")
        await TopologySuite.RunAsync(duration);
    else if (suite == "health")
        await HealthSuite.RunAsync(duration);
    else if (suite == "failover")
        await FailoverSuite.RunAsync();
    else if (suite == "switch-failover")
        await SwitchFailoverSuite.RunAsync();
    else if (suite == "replication")
        await ReplicationSuite.RunAsync();
    else if (suite == "multiplex")
        await MultiplexSuite.RunAsync();
    else
        await ControllerSuite.RunAsync();
    Console.WriteLine();
}
return 0;
