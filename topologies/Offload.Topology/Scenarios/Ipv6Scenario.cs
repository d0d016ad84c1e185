using System.Net.Sockets;
using Offload.Topology.Model;

namespace Offload.Topology.Scenarios;

/// <summary>
/// 8. IPv6 end to end: the client resolves the switch's IPv6 gateway by neighbor discovery (answered by the controller
/// for the switch), and real TCP connections to an IPv6 VIP are spread over its IPv6 backends and answered.
/// </summary>
public sealed class Ipv6Scenario : IScenario
{
    public const int Requests = 200;

    public string Name => "ipv6";
    public string Description => $"{Requests} HTTP connections to an IPv6 VIP, the gateway found by neighbor discovery, spread over IPv6 backends";

    public async Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var result = new ScenarioResult(Name);
        var vip = context.TryVipServing(ServiceKind.Http, AddressFamily.InterNetworkV6)
            ?? throw new InvalidOperationException($"{context.ConfigPath} has no IPv6 VIP whose backends run an http service in the topology");
        var client = context.Run.Topology.Clients.FirstOrDefault(c => c.Gateway6 is not null)
            ?? throw new InvalidOperationException("the topology has no client with address6 and gateway6");
        context.Log($"{Requests} connections, 8 at a time, from {client.Name} ({client.Address6}) to {vip.Name} ({ScenarioContext.Endpoint(vip)}, {vip.Algorithm})");
        var report = await context.HttpLoadAsync(client.Name, ScenarioContext.Endpoint(vip), Requests, 8, cancellationToken);
        SpreadScenario.CheckSpread(context, result, vip, report);

        // The gateway's link-layer address came from the controller's neighbor advertisement: the router MAC.
        var routerMac = context.Config.Switches[0].RouterMac;
        var (_, neighbors) = context.Run.Exec(client.Name, "ip", "-6", "neigh", "show", client.Gateway6!.ToString());
        result.Check("gateway resolved by neighbor discovery", neighbors.Contains($"lladdr {routerMac}", StringComparison.OrdinalIgnoreCase),
            neighbors.Trim().Length == 0 ? "no neighbor entry" : neighbors.Trim());
        result.Figures["requests/s"] = report.PerSecond;
        result.Figures["latency p50 ms"] = report.P50Ms;
        return result;
    }
}
