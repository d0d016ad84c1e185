namespace Offload.Simulator.PacketIo;

/// <summary>
/// A port fed from a pcap file: once <paramref name="ready"/> says the switch can forward, every packet of the file
/// is received on the port, keeping the file's spacing. What the switch sends on the port goes nowhere (see --pcap-dir).
/// </summary>
internal sealed class PcapReplayPort(uint port, string path, IReadOnlyList<(TimeSpan Offset, byte[] Packet)> packets,
    Func<bool> ready, TimeSpan delay) : IPortDriver
{
    private readonly CancellationTokenSource _stop = new();

    public uint Port { get; } = port;
    public string Description => $"replay of {path} ({packets.Count} packets)";
    public bool IsUp => true;
    public Task Replayed { get; private set; } = Task.CompletedTask;

    public static PcapReplayPort Open(uint port, string path, Func<bool> ready, TimeSpan delay) =>
        new(port, path, PcapReader.Read(path), ready, delay);

    public void Start(Action<uint, byte[]> received) => Replayed = Task.Run(async () =>
    {
        while (!ready())
            await Task.Delay(50, _stop.Token);
        await Task.Delay(delay, _stop.Token);
        var start = DateTime.UtcNow;
        foreach (var (offset, packet) in packets)
        {
            var wait = offset - (DateTime.UtcNow - start);
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, _stop.Token);
            received(Port, packet);
        }
    }, _stop.Token);

    public void Send(byte[] packet)
    {
    }

    public void Dispose() => _stop.Cancel();
}
