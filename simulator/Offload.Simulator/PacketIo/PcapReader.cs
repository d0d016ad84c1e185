using System.Buffers.Binary;

namespace Offload.Simulator.PacketIo;

/// <summary>Reads classic libpcap files (either byte order, micro- or nanosecond timestamps, Ethernet link type).</summary>
internal static class PcapReader
{
    public static IReadOnlyList<(TimeSpan Offset, byte[] Packet)> Read(string path)
    {
        var data = File.ReadAllBytes(path);
        if (data.Length < 24)
            throw new InvalidDataException($"{path}: too short for a pcap header");
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(data);
        var (little, nanos) = magic switch
        {
            0xa1b2c3d4 => (true, false),
            0xa1b23c4d => (true, true),
            0xd4c3b2a1 => (false, false),
            0x4d3cb2a1 => (false, true),
            _ => throw new InvalidDataException($"{path}: not a pcap file (magic 0x{magic:x8}; pcapng is not supported, convert with editcap -F pcap)"),
        };
        uint U32(int at) => little ? BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at)) : BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at));
        if (U32(20) != 1)
            throw new InvalidDataException($"{path}: link type {U32(20)} is not Ethernet (1)");
        var packets = new List<(TimeSpan, byte[])>();
        double? first = null;
        for (var at = 24; at < data.Length;)
        {
            if (at + 16 > data.Length)
                throw new InvalidDataException($"{path}: truncated record header at byte {at}");
            var seconds = U32(at) + U32(at + 4) / (nanos ? 1e9 : 1e6);
            var length = (int)U32(at + 8);
            if (length < 0 || at + 16 + length > data.Length)
                throw new InvalidDataException($"{path}: truncated packet at byte {at}");
            first ??= seconds;
            packets.Add((TimeSpan.FromSeconds(seconds - first.Value), data.AsSpan(at + 16, length).ToArray()));
            at += 16 + length;
        }
        return packets;
    }
}
