namespace Offload.Simulator.Pipeline;

/// <summary>One packet in flight: its parsed headers, metadata, and the bytes after the last parsed header.</summary>
internal sealed class PacketContext
{
    public Headers Hdr { get; } = new();
    public LocalMetadata Meta { get; } = new();
    public StandardMetadata Std { get; } = new();
    public byte[] Packet { get; set; } = [];
    public int PayloadOffset { get; set; }

    /// <summary>When the packet arrived (Stopwatch ticks): the hit time of every entry it matches.</summary>
    public long Timestamp { get; set; }

    public ReadOnlySpan<byte> Payload => Packet.AsSpan(PayloadOffset);

    /// <summary>Makes this context a fresh one for another received packet (the pipeline reuses one per device).</summary>
    public void Reset(byte[] packet)
    {
        Hdr.Reset();
        Meta.Reset();
        Std.Reset();
        Packet = packet;
        PayloadOffset = 0;
        Timestamp = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    public PacketContext CloneForReplica()
    {
        var copy = new PacketContext { Packet = Packet, PayloadOffset = PayloadOffset, Timestamp = Timestamp };
        copy.Hdr.CopyFrom(Hdr);
        copy.Meta.CopyFrom(Meta);
        copy.Std.IngressPort = Std.IngressPort;
        copy.Std.PacketLength = Std.PacketLength;
        return copy;
    }
}
