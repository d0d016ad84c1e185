using Microsoft.Extensions.Logging;
using Offload.Controller.Configuration;

namespace Offload.Controller.Plumbing.Pools;

/// <summary>
/// Converges a switch to a configuration and changes data-plane-select pools without breaking a connection whose
/// entry is still on its way (SilkRoad's three steps): write the new version beside the old and record every miss
/// in the transit filter; once every flow that started before is pinned, flip new flows to the new version while
/// recorded ones keep the old; once every recorded flow is pinned, settle on the new version and retire the old.
/// </summary>
/// <param name="reconcile">Converges the switch's configured tables to the configuration and the pools' current state.</param>
/// <param name="digestBarrier">Returns once every digest the switch sent before the call is pinned.</param>
public sealed partial class PoolChanger(PoolVersions pools, Func<CancellationToken, Task<ReconcileResult>> reconcile, Func<CancellationToken, Task> digestBarrier, ILogger logger)
{
    /// <returns>Every write of every step.</returns>
    public async Task<ReconcileResult> ApplyAsync(OffloadConfig config, CancellationToken cancellationToken)
    {
        var result = await FinishUnderwayAsync(cancellationToken);
        var changed = pools.Adopt(config);
        if (changed.Count == 0)
            return result + await reconcile(cancellationToken);
        var epoch = pools.NextEpoch();
        foreach (var (vipId, members) in changed)
        {
            LogChanging(logger, vipId, pools.States[vipId].CurrentMembers.ToString(), members.ToString(), epoch);
            pools.Set(pools.States[vipId].Record(members, epoch));
        }
        result += await reconcile(cancellationToken);
        await digestBarrier(cancellationToken);
        result += await StepAsync(changed.Keys, s => s.Flip(), cancellationToken);
        await digestBarrier(cancellationToken);
        result += await StepAsync(changed.Keys, s => s.Settle(), cancellationToken);
        result += await StepAsync(changed.Keys, s => s.Retire(), cancellationToken);
        foreach (var vipId in changed.Keys)
            LogChanged(logger, vipId, pools.States[vipId].Current);
        return result;
    }

    // A change cut short (a controller restart, a lost primary) is finished on the version every flow still takes.
    private async Task<ReconcileResult> FinishUnderwayAsync(CancellationToken cancellationToken)
    {
        var underway = pools.States.Values.Where(s => s.Phase != TransitPhase.Steady || s.Versions.Count > 1).Select(s => s.VipId).ToList();
        if (underway.Count == 0)
            return ReconcileResult.None;
        if (underway.Any(id => pools.States[id].Phase == TransitPhase.Draining))
            await digestBarrier(cancellationToken);
        return await StepAsync(underway, s => s.Settle(), cancellationToken) + await StepAsync(underway, s => s.Retire(), cancellationToken);
    }

    private async Task<ReconcileResult> StepAsync(IEnumerable<int> vipIds, Func<PoolState, PoolState> step, CancellationToken cancellationToken)
    {
        foreach (var vipId in vipIds.ToList())
            pools.Set(step(pools.States[vipId]));
        return await reconcile(cancellationToken);
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "VIP {VipId}: pool changing from [{From}] to [{To}] (transit epoch {Epoch})")]
    private static partial void LogChanging(ILogger logger, int vipId, string from, string to, byte epoch);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "VIP {VipId}: pool version {Version} in place")]
    private static partial void LogChanged(ILogger logger, int vipId, byte version);
}
