using Offload.Controller.Configuration;
using Offload.Controller.LoadBalancing;
using Offload.Controller.Pipeline;
using Offload.Controller.Plumbing;
using Offload.Grpc.Client;
using Offload.P4Runtime.Schema;
using Offload.P4Runtime.Session;
using Offload.Tests.Common;
using Offload.Tests.Common.Live;
using P4.V1;
using Xunit;

namespace Offload.Controller.Tests.Plumbing;

/// <summary>Reconcile against a running offload-sim over P4Runtime: first start, no-op restart, config change, switch restart.</summary>
public sealed class ReconcilerTests
{
    private static readonly P4InfoIndex P4Info = P4InfoIndex.Load(RepoPaths.Get("p4", "offload.p4info.txtpb"));

    private static OffloadConfig Example(Func<string, string>? edit = null) => ExampleConfig.Load(edit);

    private static async Task<(ReconcileResult Result, List<TableEntry> Entries)> ReconcileAsync(SimulatorProcess sim, OffloadConfig config, ulong electionId)
    {
        using var channel = GrpcChannel.ForAddress($"127.0.0.1:{sim.GrpcPort}");
        var controller = new TestController(channel, 0);
        await using var session = await controller.PrimaryAsync(electionId);
        var client = controller.Client(electionId);
        var result = await new Reconciler(client, P4Info).ReconcileAsync(DesiredState.Build(config, config.Switches[0], P4Info));
        var entries = await client.ReadAsync(OffloadP4.ConfiguredTables.Select(t => new Entity { TableEntry = new TableEntry { TableId = P4Info.Tables[t].Preamble.Id } }))
            .Select(e => e.TableEntry).ToListAsync();
        return (result, entries);
    }

    [Fact]
    public async Task FirstStart_InsertsEverything_RestartChangesNothing()
    {
        using var sim = await SimulatorProcess.StartAsync();
        var config = Example();
        var desired = DesiredState.Build(config, config.Switches[0], P4Info);

        var (first, entries) = await ReconcileAsync(sim, config, 1);
        Assert.Equal(new ReconcileResult(desired.Count, 0, 0, 0), first);
        Assert.Equal(desired.Select(Reconciler.Key).Order(), entries.Select(Reconciler.Key).Order());

        var (again, _) = await ReconcileAsync(sim, config, 2);
        Assert.Equal(new ReconcileResult(0, 0, 0, desired.Count), again);
    }

    [Fact]
    public async Task ConfigChange_DeletesStaleAndModifiesChanged()
    {
        using var sim = await SimulatorProcess.StartAsync();
        await ReconcileAsync(sim, Example(), 1);

        // web3 leaves the pool and the file; web2's weight doubles.
        var changed = Example(yaml => yaml
            .Replace("pool: [web1, web2, web3]", "pool: [web1, web2]")
            .Replace("    mac: 00:00:00:00:01:12\n    switch_port: 2\n    weight: 1", "    mac: 00:00:00:00:01:12\n    switch_port: 2\n    weight: 2")
            .Replace(yaml[yaml.IndexOf("  - name: web3", StringComparison.Ordinal)..yaml.IndexOf("vips:", StringComparison.Ordinal)], ""));
        var (result, entries) = await ReconcileAsync(sim, changed, 2);

        Assert.Equal(3, result.Deleted);   // web3's backend entry, host route, return-path endpoint
        Assert.Equal(1, result.Modified);  // the VIP's action set
        Assert.Equal(0, result.Inserted);
        var select = entries.Single(e => e.TableId == P4Info.Tables[OffloadP4.BackendSelect].Preamble.Id);
        Assert.Equal([1, 2], select.Action.ActionProfileActionSet.ActionProfileActions.Select(a => a.Weight));
    }

    [Fact]
    public async Task SwitchRestart_EntriesRestored()
    {
        var config = Example();
        var desired = DesiredState.Build(config, config.Switches[0], P4Info);
        using (var sim = await SimulatorProcess.StartAsync())
            await ReconcileAsync(sim, config, 1);
        using var restarted = await SimulatorProcess.StartAsync();
        var (result, entries) = await ReconcileAsync(restarted, config, 1);
        Assert.Equal(desired.Count, result.Inserted);
        Assert.Equal(desired.Count, entries.Count);
    }
}
