namespace Offload.Simulator.PacketIo;

/// <summary>One switch port's packet I/O: a live interface, a pcap replay or an in-memory queue.</summary>
internal interface IPortDriver : IDisposable
{
    uint Port { get; }
    string Description { get; }
    bool IsUp { get; }

    /// <summary>Starts delivering received packets; the switch's own sends are never delivered back.</summary>
    void Start(Action<uint, byte[]> received);

    void Send(byte[] packet);
}
