namespace Offload.Simulator.PacketIo;

/// <summary>
/// Records what a port receives and sends: into one file (--pcap-dir: port-N.pcap), or as simple_switch's --pcap
/// does, into IFACE_in.pcap and IFACE_out.pcap.
/// </summary>
internal sealed class PcapTap : IPortDriver
{
    private readonly IPortDriver _inner;
    private readonly PcapWriter _in;
    private readonly PcapWriter _out;
    private readonly string _files;

    private PcapTap(IPortDriver inner, string inPath, string outPath)
    {
        _inner = inner;
        _in = new PcapWriter(inPath);
        _out = inPath == outPath ? _in : new PcapWriter(outPath);
        _files = inPath == outPath ? inPath : $"{inPath}, {outPath}";
    }

    public static PcapTap Combined(IPortDriver inner, string directory)
    {
        var path = Path.Combine(directory, $"port-{inner.Port}.pcap");
        return new PcapTap(inner, path, path);
    }

    public static PcapTap PerDirection(IPortDriver inner, string directory, string interfaceName) =>
        new(inner, Path.Combine(directory, $"{interfaceName}_in.pcap"), Path.Combine(directory, $"{interfaceName}_out.pcap"));

    public uint Port => _inner.Port;
    public string Description => $"{_inner.Description}, pcap {_files}";
    public bool IsUp => _inner.IsUp;

    public void Start(Action<uint, byte[]> received) => _inner.Start((port, packet) =>
    {
        _in.Write(packet);
        received(port, packet);
    });

    public void Send(byte[] packet)
    {
        _out.Write(packet);
        _inner.Send(packet);
    }

    public void Dispose()
    {
        _inner.Dispose();
        _in.Dispose();
        if (_out != _in)
            _out.Dispose();
    }
}
