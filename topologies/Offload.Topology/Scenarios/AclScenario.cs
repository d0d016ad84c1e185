using System.Net;
using Offload.Controller.Configuration;
using Offload.Topology.Model;

namespace Offload.Topology.Scenarios;

/// <summary>
/// 4. An ACL drop rule drops exactly what it names: a blocked source gets nothing through, a blocked port times out
/// where an open neighbouring port is refused, and everything else passes.
/// </summary>
public sealed class AclScenario : IScenario
{
    public string Name => "acl";
    public string Description => "a dropped source and a dropped port lose exactly their packets; all else passes";

    public async Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var result = new ScenarioResult(Name);
        var vip = context.VipServing(ServiceKind.Http);
        var drops = context.Config.Acl.Where(r => r.Action == AclAction.Drop).ToList();
        var sourceRule = drops.FirstOrDefault(r => r.Source is not null)
            ?? throw new InvalidOperationException($"{context.ConfigPath} has no acl drop rule with a source");
        var blocked = context.Run.Topology.Clients.FirstOrDefault(c => sourceRule.Source!.Value.Contains(c.Address.Address))
            ?? throw new InvalidOperationException($"no client host is in {sourceRule.Source} (rule {sourceRule.Name})");
        var allowed = context.Run.Topology.Clients.First(c => !drops.Any(r => r.Source?.Contains(c.Address.Address) == true));
        var target = ScenarioContext.Endpoint(vip);

        var fromAllowed = await context.HttpLoadAsync(allowed.Name, target, 40, 4, cancellationToken);
        result.Check($"{allowed.Name} → {vip.Name} passes", fromAllowed.Failed == 0, $"{fromAllowed.Answered}/{fromAllowed.Requests}{SpreadScenario.Failures(fromAllowed)}");
        var fromBlocked = await context.HttpLoadAsync(blocked.Name, target, 10, 10, cancellationToken);
        result.Check($"{blocked.Name} → {vip.Name} dropped (rule {sourceRule.Name})", fromBlocked.Answered == 0 && fromBlocked.Failures.Keys.All(k => k == "timeout"),
            $"{fromBlocked.Answered} answered{SpreadScenario.Failures(fromBlocked)}");

        var portRule = drops.FirstOrDefault(r => r.Source is null && r.DestinationPortLow is not null && r.DestinationPortLow == r.DestinationPortHigh);
        var backendHost = context.HostServing(context.Backend(vip.Pool[0]), ServiceKind.Http)!;
        var healthPort = backendHost.Services.First(s => s.Kind == ServiceKind.Http).HealthPort;
        if (healthPort is { } open)
        {
            var direct = Connect(context, allowed.Name, backendHost.Address.Address, open);
            result.Check($"{allowed.Name} → {backendHost.Name}:{open} (routed, not named) passes", direct == "connected", direct);
            var blockedDirect = Connect(context, blocked.Name, backendHost.Address.Address, open);
            result.Check($"{blocked.Name} → {backendHost.Name}:{open} dropped", blockedDirect == "timeout", blockedDirect);
        }
        if (portRule is not null)
        {
            var port = portRule.DestinationPortLow!.Value;
            var named = Connect(context, allowed.Name, backendHost.Address.Address, port);
            result.Check($"port {port} dropped (rule {portRule.Name})", named == "timeout", $"{allowed.Name} → {backendHost.Name}:{port}: {named}");
            var neighbour = (ushort)(port + 1);
            var notNamed = Connect(context, allowed.Name, backendHost.Address.Address, neighbour);
            result.Check($"port {neighbour} not dropped", notNamed == "refused", $"{allowed.Name} → {backendHost.Name}:{neighbour}: {notNamed} (nothing listens: the host's RST came back)");
        }
        return result;
    }

    /// <summary>One TCP connect from a host's namespace: "connected", "refused" (an RST came back) or "timeout".</summary>
    private static string Connect(ScenarioContext context, string host, IPAddress address, ushort port)
    {
        var (code, output) = context.Run.Exec(host, "timeout", "3", "/bin/bash", "-c", $"exec 3<>/dev/tcp/{address}/{port}");
        return code == 0 ? "connected" : code == 124 ? "timeout" : output.Contains("refused", StringComparison.OrdinalIgnoreCase) ? "refused" : $"failed ({code}): {output.Trim()}";
    }
}
