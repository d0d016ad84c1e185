using Offload.Controller.Cluster;
using Offload.Grpc.Client;
using Offload.Topology.Model;

namespace Offload.Topology.Scenarios;

/// <summary>
/// 12. etcd, where the connection table is replicated, killed under load and started again: the data path never
/// waits for it (long-lived connections go on byte for byte, new ones are served and pinned), the changes wait in the
/// controller, and once etcd is back every tracked connection is in it.
/// </summary>
public sealed class EtcdRestartScenario : IScenario
{
    public string Name => "etcd-restart";
    public string Description => "kill etcd under load and start it again: no connection or byte lost, new ones served, the replicated table catches up";

    public async Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var result = new ScenarioResult(Name);
        var etcd = context.Run.Topology.Etcd ?? throw new InvalidOperationException($"{Name} needs etcd in the topology (etcd: at its top level)");
        if (context.Config.Controller.Etcd is null)
            throw new InvalidOperationException($"{Name} needs controller.etcd in {context.ConfigPath}");
        using var channel = GrpcChannel.ForAddress($"127.0.0.1:{etcd.ClientPort}");
        var client = new EtcdClient(channel);
        var vip = context.VipServing(ServiceKind.Echo);
        using var echo = await context.StartEchoAsync(context.Client.Name, ScenarioContext.Endpoint(vip), 16, cancellationToken);
        var replicated = await ReplicatedAsync(context, client, atLeast: 16, cancellationToken);
        result.Check("the connections are replicated to etcd", replicated.Stored >= 16, $"{replicated.Stored} records for {replicated.Tracked} tracked connections");

        context.Log("killing etcd (SIGKILL)");
        await context.Run.KillEtcdAsync();
        await SwitchTakeover.CheckNewConnectionsAsync(context, result, "the switch while etcd is down", cancellationToken);
        var waiting = (await context.Run.SwitchesAsync(context.Run.Controller().Name) ?? []).Sum(s => s.Replication?.Pending ?? 0);
        result.Check("the changes wait in the controller", waiting > 0, $"{waiting} change(s) waiting");

        context.Log("starting etcd again");
        await context.Run.StartEtcdAsync(cancellationToken);
        var caughtUp = await ReplicatedAsync(context, client, atLeast: 0, cancellationToken);
        result.Check("etcd holds every tracked connection again", caughtUp.Pending == 0 && caughtUp.Stored == caughtUp.Tracked,
            $"{caughtUp.Stored} records for {caughtUp.Tracked} tracked connections, {caughtUp.Pending} change(s) waiting");

        SwitchTakeover.CheckNothingLost(result, await echo.StopAsync());
        return result;
    }

    // Waits (up to 20 s) until nothing is pending and etcd holds as many records as the controller tracks.
    private static async Task<(int Stored, int Tracked, int Pending)> ReplicatedAsync(ScenarioContext context, EtcdClient client, int atLeast, CancellationToken cancellationToken)
    {
        var last = (Stored: 0, Tracked: 0, Pending: -1);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            var switches = (await context.Run.SwitchesAsync(context.Run.Controller().Name) ?? []).Where(s => s.Replication?.Active == true).ToList();
            try
            {
                var stored = 0;
                await foreach (var _ in client.ReadPrefixAsync("/offload/connections/", cancellationToken: cancellationToken))
                    stored++;
                last = (stored, switches.Sum(s => s.Connections), switches.Sum(s => s.Replication!.Pending));
                if (last.Pending == 0 && last.Stored == last.Tracked && last.Tracked >= atLeast)
                    return last;
            }
            catch (Exception ex) when (ex is Offload.Grpc.RpcException or IOException)
            {
                // etcd is still starting.
            }
            await Task.Delay(200, cancellationToken);
        }
        return last;
    }
}
