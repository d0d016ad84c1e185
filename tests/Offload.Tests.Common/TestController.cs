using Offload.Grpc.Client;
using Offload.P4Runtime.Session;

namespace Offload.Tests.Common;

/// <summary>Opens P4Runtime clients and stream sessions to one device, with fast reconnects for tests.</summary>
public sealed class TestController(GrpcChannel channel, ulong deviceId)
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public StreamSession Session(ulong election, ulong? device = null) =>
        new(channel, device ?? deviceId, new ElectionId(0, election),
            options: new StreamSessionOptions { InitialBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromMilliseconds(300) });

    public P4RuntimeClient Client(ulong election, ulong? device = null) =>
        new(channel, device ?? deviceId, new ElectionId(0, election));

    /// <summary>A started session that has won arbitration.</summary>
    public async Task<StreamSession> PrimaryAsync(ulong election)
    {
        var session = Session(election);
        session.Start();
        await session.WaitForPrimaryAsync().WaitAsync(Wait);
        return session;
    }
}

public static class Eventually
{
    public static Task WaitUntil(Func<bool> condition, TimeSpan? timeout = null) => WaitUntil(() => Task.FromResult(condition()), timeout);

    public static async Task WaitUntil(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TestController.Wait);
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
                throw new TimeoutException("condition not reached in time");
            await Task.Delay(20);
        }
    }
}
