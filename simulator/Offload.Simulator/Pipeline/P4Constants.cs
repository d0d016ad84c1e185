namespace Offload.Simulator.Pipeline;

/// <summary>The constants of shared/define.p4, same names in PascalCase.</summary>
internal static class P4Constants
{
    public const ushort EthertypeIpv4 = 0x0800, EthertypeArp = 0x0806, EthertypeVlan = 0x8100, EthertypeIpv6 = 0x86dd;
    public const byte ProtoIcmp = 1, ProtoTcp = 6, ProtoUdp = 17, ProtoIcmpv6 = 58;
    public const byte TcpFlagFin = 0x01, TcpFlagSyn = 0x02, TcpFlagRst = 0x04;
    public const ushort ArpHtypeEthernet = 1, ArpOperRequest = 1, ArpOperReply = 2;

    public const byte VipModeDataplaneSelect = 0, VipModeControllerClassify = 1;
    public const byte TransitSteady = 0, TransitRecording = 1, TransitDraining = 2;
    public const byte PacketOutToPort = 0;

    public const byte PuntNone = 0, PuntNewFlow = 1, PuntNonSynMiss = 2, PuntAcl = 3, PuntReturnMiss = 4, PuntArpReply = 5;

    public const byte DropNone = 0, DropParserError = 1, DropBadChecksum = 2, DropIpv4Options = 3, DropAcl = 4,
        DropConnection = 5, DropNewFlowRate = 6, DropNoBackend = 7, DropDeliverOnly = 8, DropNullRoute = 9,
        DropNoRoute = 10, DropTtlExpired = 11, DropL2Miss = 12, DropPacketOutPort = 13, DropFloodPruned = 14;

    public const uint PktInstanceTypeIngressClone = 1, PktInstanceTypeReplication = 5;
    public const uint DefaultCpuPort = 255;
}
