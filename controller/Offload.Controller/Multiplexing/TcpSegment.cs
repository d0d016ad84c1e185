using System.Buffers.Binary;
using Offload.Packets;
using Offload.Packets.Headers;

namespace Offload.Controller.Multiplexing;

/// <summary>
/// One TCP segment in an Ethernet frame (IPv4 without options, or IPv6 without extension headers), as the splicer
/// reads a punted packet and writes the ones it answers with; checksums are computed on the way out.
/// </summary>
public sealed record TcpSegment(ulong EthDst, ulong EthSrc, byte IpVersion, UInt128 Source, UInt128 Destination, ushort SourcePort,
    ushort DestinationPort, uint Seq, uint Ack, byte Flags, ushort Window, byte[] Options, byte[] Payload)
{
    public bool Has(byte flag) => (Flags & flag) != 0;

    /// <summary>The maximum segment size the options carry, if any.</summary>
    public ushort? Mss
    {
        get
        {
            var options = Options.AsSpan();
            while (options.Length > 0 && options[0] != 0)
            {
                if (options[0] == 1)
                {
                    options = options[1..];
                    continue;
                }
                if (options.Length < 2 || options[1] < 2 || options[1] > options.Length)
                    return null;
                if (options[0] == 2 && options[1] == 4)
                    return BinaryPrimitives.ReadUInt16BigEndian(options[2..]);
                options = options[options[1]..];
            }
            return null;
        }
    }

    /// <summary>The options of a segment that offers only a maximum segment size (no window scaling, SACK or timestamps).</summary>
    public static byte[] MssOption(ushort mss) => [2, 4, (byte)(mss >> 8), (byte)mss];

    public static TcpSegment? Parse(ReadOnlySpan<byte> frame)
    {
        if (!EthernetHeader.TryRead(frame, out var ethernet))
            return null;
        var ip = frame[EthernetHeader.Length..];
        byte version;
        UInt128 source, destination;
        ReadOnlySpan<byte> tcp;
        if (ethernet.EtherType == 0x0800 && Ipv4Header.TryRead(ip, out var v4) && v4.Ihl == 5 && v4.Protocol == 6 && v4.FragOffset == 0
            && v4.TotalLen >= Ipv4Header.Length && v4.TotalLen <= ip.Length)
        {
            (version, source, destination) = (4, v4.SrcAddr, v4.DstAddr);
            tcp = ip[Ipv4Header.Length..v4.TotalLen];
        }
        else if (ethernet.EtherType == 0x86dd && Ipv6Header.TryRead(ip, out var v6) && v6.NextHdr == 6 && Ipv6Header.Length + v6.PayloadLen <= ip.Length)
        {
            (version, source, destination) = (6, v6.SrcAddr, v6.DstAddr);
            tcp = ip.Slice(Ipv6Header.Length, v6.PayloadLen);
        }
        else
            return null;
        if (!TcpHeader.TryRead(tcp, out var header) || header.DataOffset < 5 || header.DataOffset * 4 > tcp.Length)
            return null;
        var headerLength = header.DataOffset * 4;
        return new TcpSegment(ethernet.DstAddr, ethernet.SrcAddr, version, source, destination, header.SrcPort, header.DstPort, header.SeqNo,
            header.AckNo, header.Flags, header.Window, tcp[TcpHeader.Length..headerLength].ToArray(), tcp[headerLength..].ToArray());
    }

    public byte[] ToFrame()
    {
        var options = Options.Length % 4 == 0 ? Options : [.. Options, .. new byte[4 - Options.Length % 4]];
        var tcpLength = TcpHeader.Length + options.Length + Payload.Length;
        var ipLength = IpVersion == 4 ? Ipv4Header.Length : Ipv6Header.Length;
        var frame = new byte[EthernetHeader.Length + ipLength + tcpLength];
        new EthernetHeader { DstAddr = EthDst, SrcAddr = EthSrc, EtherType = IpVersion == 4 ? (ushort)0x0800 : (ushort)0x86dd }.Write(frame);
        var ip = frame.AsSpan(EthernetHeader.Length);
        var tcp = ip[ipLength..];
        new TcpHeader
        {
            SrcPort = SourcePort, DstPort = DestinationPort, SeqNo = Seq, AckNo = Ack, DataOffset = (byte)((TcpHeader.Length + options.Length) / 4),
            Flags = Flags, Window = Window,
        }.Write(tcp);
        options.CopyTo(tcp[TcpHeader.Length..]);
        Payload.CopyTo(tcp[(TcpHeader.Length + options.Length)..]);
        ulong sum;
        if (IpVersion == 4)
        {
            var header = new Ipv4Header
            {
                Version = 4, Ihl = 5, TotalLen = (ushort)(Ipv4Header.Length + tcpLength), Flags = 2, Ttl = 64, Protocol = 6,
                SrcAddr = (uint)Source, DstAddr = (uint)Destination,
            };
            header.Write(ip);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Compute(ip[..Ipv4Header.Length]));
            sum = InternetChecksum.AddPseudoHeaderV4(0, (uint)Source, (uint)Destination, 6, (ushort)tcpLength);
        }
        else
        {
            new Ipv6Header { Version = 6, PayloadLen = (ushort)tcpLength, NextHdr = 6, HopLimit = 64, SrcAddr = Source, DstAddr = Destination }.Write(ip);
            sum = InternetChecksum.AddPseudoHeaderV6(0, Source, Destination, 6, (uint)tcpLength);
        }
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], InternetChecksum.Finish(InternetChecksum.Add(sum, tcp)));
        return frame;
    }
}
