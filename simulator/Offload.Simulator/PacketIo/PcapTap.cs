namespace Offload.Simulator.PacketIo;

/// <summary>Records every packet a port receives and sends into one pcap file (--pcap-dir).</summary>
internal sealed class PcapTap(IPortDriver inner, string directory) : IPortDriver
{
    private readonly PcapWriter _writer = new(Path.Combine(directory, $"port-{inner.Port}.pcap"));

    public uint Port => inner.Port;
    public string Description => $"{inner.Description}, pcap {Path.Combine(directory, $"port-{inner.Port}.pcap")}";
    public bool IsUp => inner.IsUp;

    public void Start(Action<uint, byte[]> received) => inner.Start((port, packet) =>
    {
        _writer.Write(packet);
        received(port, packet);
    });

    public void Send(byte[] packet)
    {
        _writer.Write(packet);
        inner.Send(packet);
    }

    public void Dispose()
    {
        inner.Dispose();
        _writer.Dispose();
    }
}
