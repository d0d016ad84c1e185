using System.Buffers.Binary;

namespace Offload.Simulator.PacketIo;

/// <summary>A classic libpcap file (LINKTYPE_ETHERNET, microsecond timestamps) that tshark and Wireshark read.</summary>
internal sealed class PcapWriter : IDisposable
{
    private const uint Magic = 0xa1b2c3d4;
    private const int Snaplen = 65535;
    private readonly FileStream _file;
    private readonly Lock _gate = new();

    public PcapWriter(string path)
    {
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], Snaplen);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], 1);
        _file.Write(header);
        _file.Flush();
    }

    public void Write(ReadOnlySpan<byte> packet)
    {
        var now = DateTimeOffset.UtcNow;
        Span<byte> record = stackalloc byte[16];
        var captured = Math.Min(packet.Length, Snaplen);
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)now.ToUnixTimeSeconds());
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], (uint)(now.Ticks % TimeSpan.TicksPerSecond / 10));
        BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)captured);
        BinaryPrimitives.WriteUInt32LittleEndian(record[12..], (uint)packet.Length);
        lock (_gate)
        {
            _file.Write(record);
            _file.Write(packet[..captured]);
            _file.Flush();
        }
    }

    public void Dispose()
    {
        lock (_gate)
            _file.Dispose();
    }
}
