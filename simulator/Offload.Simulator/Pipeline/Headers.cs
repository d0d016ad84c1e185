using Offload.Packets.Headers;

namespace Offload.Simulator.Pipeline;

/// <summary>headers_t of header.p4: each header with its validity bit.</summary>
internal sealed class Headers
{
    public bool PacketOutValid;
    public ushort PacketOutEgressPort;
    public byte PacketOutMode;
    public bool PacketInValid;
    public ushort PacketInIngressPort;
    public byte PacketInReason;
    public ushort PacketInVipId;
    public bool EthernetValid;
    public EthernetHeader Ethernet;
    public bool VlanValid;
    public VlanHeader Vlan;
    public bool ArpValid;
    public ArpHeader Arp;
    public bool Ipv4Valid;
    public Ipv4Header Ipv4;
    public bool Ipv6Valid;
    public Ipv6Header Ipv6;
    public bool TcpValid;
    public TcpHeader Tcp;
    public bool UdpValid;
    public UdpHeader Udp;
    public bool IcmpValid;
    public IcmpHeader Icmp;

    public const int PacketInLength = 5;
    public const int PacketOutLength = 3;

    public void Reset()
    {
        PacketOutValid = false;
        PacketInValid = false;
        EthernetValid = false;
        VlanValid = false;
        ArpValid = false;
        Ipv4Valid = false;
        Ipv6Valid = false;
        TcpValid = false;
        UdpValid = false;
        IcmpValid = false;
    }

    public void CopyFrom(Headers other)
    {
        PacketOutValid = other.PacketOutValid; PacketOutEgressPort = other.PacketOutEgressPort; PacketOutMode = other.PacketOutMode;
        PacketInValid = other.PacketInValid; PacketInIngressPort = other.PacketInIngressPort; PacketInReason = other.PacketInReason; PacketInVipId = other.PacketInVipId;
        EthernetValid = other.EthernetValid; Ethernet = other.Ethernet;
        VlanValid = other.VlanValid; Vlan = other.Vlan;
        ArpValid = other.ArpValid; Arp = other.Arp;
        Ipv4Valid = other.Ipv4Valid; Ipv4 = other.Ipv4;
        Ipv6Valid = other.Ipv6Valid; Ipv6 = other.Ipv6;
        TcpValid = other.TcpValid; Tcp = other.Tcp;
        UdpValid = other.UdpValid; Udp = other.Udp;
        IcmpValid = other.IcmpValid; Icmp = other.Icmp;
    }
}

/// <summary>local_metadata_t of header.p4.</summary>
internal sealed class LocalMetadata
{
    public ushort EthType;
    public byte IpVersion;
    public UInt128 IpSrc;
    public UInt128 IpDst;
    public byte IpProto;
    public ushort L4SrcPort;
    public ushort L4DstPort;
    public byte TcpFlags;
    public byte IcmpType;
    public ushort L4Len;

    public bool PacketOutDone;
    public bool AclPermit;
    public bool ArpAnswered;
    public bool Routable;
    public ushort VipId;
    public byte VipMode;
    public byte PuntNonSyn;
    public bool VipHit;
    public bool ConnHit;
    public bool SelectBackend;
    public byte PoolVersion;
    public byte PreviousPoolVersion;
    public byte TransitPhase;
    public byte TransitEpoch;
    public bool ToBackend;
    public ushort BackendId;
    public uint SeqDelta;
    public uint AckDelta;
    public ushort NatL4Port;
    public bool L4Rewritten;
    public byte NewFlowColor;
    public byte PuntReason;
    public byte DropReason;

    public void Reset()
    {
        EthType = default;
        IpVersion = default;
        IpSrc = default;
        IpDst = default;
        IpProto = default;
        L4SrcPort = default;
        L4DstPort = default;
        TcpFlags = default;
        IcmpType = default;
        L4Len = default;
        PacketOutDone = default;
        AclPermit = default;
        ArpAnswered = default;
        Routable = default;
        VipId = default;
        VipMode = default;
        PuntNonSyn = default;
        VipHit = default;
        ConnHit = default;
        SelectBackend = default;
        PoolVersion = default;
        PreviousPoolVersion = default;
        TransitPhase = default;
        TransitEpoch = default;
        ToBackend = default;
        BackendId = default;
        SeqDelta = default;
        AckDelta = default;
        NatL4Port = default;
        L4Rewritten = default;
        NewFlowColor = default;
        PuntReason = default;
        DropReason = default;
    }

    public void CopyFrom(LocalMetadata other)
    {
        EthType = other.EthType;
        IpVersion = other.IpVersion;
        IpSrc = other.IpSrc;
        IpDst = other.IpDst;
        IpProto = other.IpProto;
        L4SrcPort = other.L4SrcPort;
        L4DstPort = other.L4DstPort;
        TcpFlags = other.TcpFlags;
        IcmpType = other.IcmpType;
        L4Len = other.L4Len;
        PacketOutDone = other.PacketOutDone;
        AclPermit = other.AclPermit;
        ArpAnswered = other.ArpAnswered;
        Routable = other.Routable;
        VipId = other.VipId;
        VipMode = other.VipMode;
        PuntNonSyn = other.PuntNonSyn;
        VipHit = other.VipHit;
        ConnHit = other.ConnHit;
        SelectBackend = other.SelectBackend;
        PoolVersion = other.PoolVersion;
        PreviousPoolVersion = other.PreviousPoolVersion;
        TransitPhase = other.TransitPhase;
        TransitEpoch = other.TransitEpoch;
        ToBackend = other.ToBackend;
        BackendId = other.BackendId;
        SeqDelta = other.SeqDelta;
        AckDelta = other.AckDelta;
        NatL4Port = other.NatL4Port;
        L4Rewritten = other.L4Rewritten;
        NewFlowColor = other.NewFlowColor;
        PuntReason = other.PuntReason;
        DropReason = other.DropReason;
    }
}

/// <summary>v1model's standard_metadata_t, the fields offload.p4 uses, plus what BMv2 keeps beside it.</summary>
internal sealed class StandardMetadata
{
    public const uint DropPort = 511;
    public uint IngressPort;
    public uint EgressSpec;
    public uint EgressPort;
    public uint InstanceType;
    public ushort EgressRid;
    public ushort McastGrp;
    public int PacketLength;
    public bool ParserError;
    public bool ChecksumError;
    public uint CloneSession;     // set by clone(I2E, session); 0 = none
    public bool Digest;           // digest<connection_digest_t>(1, ...) was called
    public bool EndDigest;        // digest<connection_end_digest_t>(1, ...) was called

    public void Reset()
    {
        IngressPort = default;
        EgressSpec = default;
        EgressPort = default;
        InstanceType = default;
        EgressRid = default;
        McastGrp = default;
        PacketLength = default;
        ParserError = default;
        ChecksumError = default;
        CloneSession = default;
        Digest = default;
        EndDigest = default;
    }

    public void MarkToDrop()
    {
        EgressSpec = DropPort;
        McastGrp = 0;
    }
}
