using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Offload.Simulator.PacketIo;

/// <summary>
/// A live interface through a raw AF_PACKET socket: promiscuous, bound to one interface, and with
/// PACKET_IGNORE_OUTGOING so the switch never receives what it sent. Needs CAP_NET_RAW (root).
/// </summary>
internal sealed class AfPacketPort : IPortDriver
{
    private const int AfPacket = 17, SockRaw = 3, SolPacket = 263, SolSocket = 1;
    private const int PacketAddMembership = 1, PacketMrPromisc = 1, PacketIgnoreOutgoing = 23, SoRcvTimeo = 20;
    private const ushort EthPAll = 0x0003;
    private const int MaxFrame = 65536;

    private readonly int _fd;
    private readonly string _interface;
    private volatile bool _stopping;
    private Thread? _receiver;

    private AfPacketPort(uint port, string interfaceName, int fd)
    {
        Port = port;
        _interface = interfaceName;
        _fd = fd;
    }

    public uint Port { get; }
    public string Description => $"{_interface} (AF_PACKET)";
    public bool IsUp => ReadOperState() is not "down" and not "lowerlayerdown" and not "notpresent";

    public static AfPacketPort Open(uint port, string interfaceName)
    {
        var index = Native.if_nametoindex(interfaceName);
        if (index == 0)
            throw new IOException($"interface '{interfaceName}' does not exist");
        var fd = Native.socket(AfPacket, SockRaw, BinaryPrimitives.ReverseEndianness(EthPAll));
        if (fd < 0)
            throw new IOException($"cannot open a raw socket on '{interfaceName}' (errno {Marshal.GetLastPInvokeError()}): run as root or with CAP_NET_RAW");
        try
        {
            Span<byte> address = stackalloc byte[20];
            BinaryPrimitives.WriteUInt16LittleEndian(address, AfPacket);
            BinaryPrimitives.WriteUInt16BigEndian(address[2..], EthPAll);
            BinaryPrimitives.WriteInt32LittleEndian(address[4..], (int)index);
            if (Native.bind(fd, ref MemoryMarshal.GetReference(address), address.Length) != 0)
                throw new IOException($"cannot bind to '{interfaceName}' (errno {Marshal.GetLastPInvokeError()})");
            Span<byte> membership = stackalloc byte[16];
            BinaryPrimitives.WriteInt32LittleEndian(membership, (int)index);
            BinaryPrimitives.WriteUInt16LittleEndian(membership[4..], PacketMrPromisc);
            SetOption(fd, SolPacket, PacketAddMembership, membership, interfaceName, "promiscuous mode");
            Span<byte> one = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(one, 1);
            SetOption(fd, SolPacket, PacketIgnoreOutgoing, one, interfaceName, "PACKET_IGNORE_OUTGOING");
            Span<byte> timeout = stackalloc byte[16];
            BinaryPrimitives.WriteInt64LittleEndian(timeout[8..], 200_000);
            SetOption(fd, SolSocket, SoRcvTimeo, timeout, interfaceName, "a receive timeout");
            return new AfPacketPort(port, interfaceName, fd);
        }
        catch
        {
            Native.close(fd);
            throw;
        }
    }

    public void Start(Action<uint, byte[]> received)
    {
        _receiver = new Thread(() => ReceiveLoop(received)) { IsBackground = true, Name = $"port {Port} {_interface}" };
        _receiver.Start();
    }

    public void Send(byte[] packet)
    {
        if (!_stopping)
            Native.send(_fd, ref MemoryMarshal.GetArrayDataReference(packet), packet.Length, 0);
    }

    public void Dispose()
    {
        _stopping = true;
        _receiver?.Join(TimeSpan.FromSeconds(1));
        Native.close(_fd);
    }

    private void ReceiveLoop(Action<uint, byte[]> received)
    {
        var buffer = new byte[MaxFrame];
        while (!_stopping)
        {
            var length = Native.recv(_fd, ref buffer[0], buffer.Length, 0);
            if (length <= 0)
                continue;
            received(Port, buffer.AsSpan(0, (int)length).ToArray());
        }
    }

    private string ReadOperState()
    {
        try
        {
            return File.ReadAllText($"/sys/class/net/{_interface}/operstate").Trim();
        }
        catch (IOException)
        {
            return "notpresent";
        }
    }

    private static void SetOption(int fd, int level, int name, ReadOnlySpan<byte> value, string interfaceName, string what)
    {
        if (Native.setsockopt(fd, level, name, ref MemoryMarshal.GetReference(value), value.Length) != 0)
            throw new IOException($"cannot set {what} on '{interfaceName}' (errno {Marshal.GetLastPInvokeError()})");
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int socket(int domain, int type, int protocol);

        [DllImport("libc", SetLastError = true)]
        public static extern int bind(int fd, ref byte address, int length);

        [DllImport("libc", SetLastError = true)]
        public static extern int setsockopt(int fd, int level, int name, ref byte value, int length);

        [DllImport("libc", SetLastError = true)]
        public static extern nint recv(int fd, ref byte buffer, nint length, int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern nint send(int fd, ref byte buffer, nint length, int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern int close(int fd);

        [DllImport("libc", SetLastError = true)]
        public static extern uint if_nametoindex(string name);
    }
}
