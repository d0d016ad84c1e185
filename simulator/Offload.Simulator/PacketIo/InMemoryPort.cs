using System.Threading.Channels;

namespace Offload.Simulator.PacketIo;

/// <summary>A port whose sent packets queue up for a test to read, and into which a test injects packets.</summary>
internal sealed class InMemoryPort(uint port) : IPortDriver
{
    private readonly Channel<byte[]> _sent = Channel.CreateUnbounded<byte[]>();
    private Action<uint, byte[]>? _received;

    public uint Port { get; } = port;
    public string Description => $"memory:{Port}";
    public bool IsUp { get; set; } = true;
    public ChannelReader<byte[]> Sent => _sent.Reader;

    public void Start(Action<uint, byte[]> received) => _received = received;

    public void Send(byte[] packet) => _sent.Writer.TryWrite(packet);

    public void Receive(byte[] packet) => _received?.Invoke(Port, packet);

    public void Dispose() => _sent.Writer.TryComplete();
}
