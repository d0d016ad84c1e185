using System.Diagnostics;
using Offload.Controller.Management;
using Offload.Topology.Model;

namespace Offload.Topology.Scenarios;

/// <summary>What the switch-takeover scenarios share: the pair under test, the takeover's traffic gap, the group's view.</summary>
public static class SwitchTakeover
{
    /// <summary>The topology's first switch with a standby, and that standby.</summary>
    public static (string Active, string Standby) Pair(ScenarioContext context, string scenario) =>
        context.Run.Topology.Switches.FirstOrDefault(s => s.StandbyFor is not null) is { } standby
            ? (standby.StandbyFor!, standby.Name)
            : throw new InvalidOperationException($"{scenario} needs a switch with a standby in the topology (a switch with standby_for), and the controller's group for them");

    public static async Task<GroupView?> GroupAsync(ScenarioContext context) => (await context.Run.GroupsAsync())?.FirstOrDefault();

    public static async Task<SwitchView?> SwitchAsync(ScenarioContext context, string name) =>
        (await context.Run.SwitchesAsync(context.Run.Controller().Name))?.FirstOrDefault(s => s.Name == name);

    /// <summary>Waits until the group's view satisfies <paramref name="condition"/>; false on timeout.</summary>
    public static async Task<bool> WaitAsync(ScenarioContext context, Func<GroupView, SwitchView[], bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (await GroupAsync(context) is { } group && await context.Run.SwitchesAsync(context.Run.Controller().Name) is { } switches && condition(group, switches))
                return true;
            await Task.Delay(20, cancellationToken);
        }
        return false;
    }

    /// <summary>
    /// Applies a fault under the echo traffic and returns the longest time, over <paramref name="observe"/> from the
    /// fault on, that any connection waited for an echo: the interruption its client saw (the checker measures it).
    /// </summary>
    public static async Task<TimeSpan> TrafficGapAsync(EchoSession echo, Func<Task> fault, TimeSpan observe, CancellationToken cancellationToken)
    {
        await echo.LongestStallAsync();
        await fault();
        await Task.Delay(observe, cancellationToken);
        return await echo.LongestStallAsync();
    }

    /// <summary>How many connections a switch's controller tracks there (the standby's are its mirrored copies).</summary>
    public static async Task<int> ConnectionsAsync(ScenarioContext context, string sw, int atLeast)
    {
        var connections = 0;
        for (var i = 0; i < 50 && connections < atLeast; i++)
        {
            connections = (await SwitchAsync(context, sw))?.Connections ?? 0;
            await Task.Delay(100);
        }
        return connections;
    }

    /// <summary>16 long-lived echo connections, checked to be mirrored onto the standby before any fault.</summary>
    public static async Task<EchoSession> StartMirroredEchoAsync(ScenarioContext context, ScenarioResult result, string standby, CancellationToken cancellationToken)
    {
        var echo = await context.StartEchoAsync(context.Client.Name, ScenarioContext.Endpoint(context.VipServing(ServiceKind.Echo)), 16, cancellationToken);
        var mirrored = await ConnectionsAsync(context, standby, 16);
        result.Check($"{standby} holds the connections ahead of time", mirrored >= 16, $"{mirrored} connections mirrored onto {standby}");
        return echo;
    }

    public static void CheckNothingLost(ScenarioResult result, Traffic.EchoReport report) =>
        result.Check("no connection broken, no byte lost", report.Broken == 0 && report.Received == report.Sent && report.Received > 0,
            $"{report.Connections.Length - report.Broken}/{report.Connections.Length} intact, {report.Received} of {report.Sent} bytes back");

    public static async Task CheckNewConnectionsAsync(ScenarioContext context, ScenarioResult result, string via, CancellationToken cancellationToken)
    {
        var web = context.VipServing(ServiceKind.Http);
        var fresh = await context.HttpLoadAsync(context.Client.Name, ScenarioContext.Endpoint(web), 40, 4, cancellationToken);
        result.Check($"new connections through {via}", fresh.Failed == 0, $"{fresh.Answered}/{fresh.Requests}{SpreadScenario.Failures(fresh)}");
    }
}
