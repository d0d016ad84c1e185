using Offload.Simulator.Pipeline.Controls;
using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Externs;

namespace Offload.Simulator.Pipeline;

internal readonly record struct OutputPacket(uint Port, byte[] Packet);

/// <summary>
/// offload.p4's V1Switch: parser, checksum verification, OffloadIngress, the traffic manager (clone, digest,
/// multicast, unicast, drop, in BMv2's order), OffloadEgress, checksum update and deparser.
/// Call <see cref="Process"/> holding the device's gate.
/// </summary>
internal sealed class OffloadPipeline
{
    private readonly DeviceState _device;
    private readonly uint _cpuPort;
    private readonly uint _digestId, _endDigestId;
    private readonly Acl _acl;
    private readonly ArpResponder _arp;
    private readonly Station _station;
    private readonly Vips _vips;
    private readonly Distribution _distribution;
    private readonly Connections _connections;
    private readonly NewFlows _newFlows;
    private readonly PoolVersions _poolVersions;
    private readonly Backends _backends;
    private readonly ReturnPath _returnPath;
    private readonly Routing _routing;
    private readonly Bridging _bridging;
    private readonly Verdict _verdict;
    private readonly CounterStore _egressDropCounter;
    private readonly PacketContext _received = new();

    public OffloadPipeline(DeviceState device, uint cpuPort, Func<uint, bool> isPortUp)
    {
        _device = device;
        _cpuPort = cpuPort;
        _digestId = device.Schema.Index.Digests[P4Names.ConnectionDigest].Preamble.Id;
        _endDigestId = device.Schema.Index.Digests[P4Names.ConnectionEndDigest].Preamble.Id;
        _acl = new Acl(device);
        _arp = new ArpResponder(device);
        _station = new Station(device);
        _vips = new Vips(device);
        _distribution = new Distribution(device);
        _connections = new Connections(device);
        _newFlows = new NewFlows(device);
        _poolVersions = new PoolVersions(device);
        _backends = new Backends(device, isPortUp);
        _returnPath = new ReturnPath(device);
        _routing = new Routing(device);
        _bridging = new Bridging(device);
        _verdict = new Verdict(device, cpuPort);
        _egressDropCounter = device.Counter(P4Names.EgressDropCounter);
    }

    public uint CpuPort => _cpuPort;

    public void Process(uint ingressPort, byte[] packet, List<OutputPacket> outputs)
    {
        var ctx = _received;
        ctx.Reset(packet);
        Prepare(ctx, ingressPort);
        Checksums.Verify(ctx);
        Ingress(ctx);
        TrafficManager(ctx, outputs);
    }

    private PacketContext NewContext(uint ingressPort, byte[] packet)
    {
        var ctx = new PacketContext();
        ctx.Reset(packet);
        Prepare(ctx, ingressPort);
        return ctx;
    }

    private void Prepare(PacketContext ctx, uint ingressPort)
    {
        ctx.Std.IngressPort = ingressPort;
        ctx.Std.PacketLength = ctx.Packet.Length;
        OffloadParser.Parse(ctx, _cpuPort);
    }

    private void Ingress(PacketContext ctx)
    {
        var hdr = ctx.Hdr;
        var meta = ctx.Meta;
        if (hdr.PacketOutValid)
            PacketIoIngress.Apply(ctx, _cpuPort);
        if (!meta.PacketOutDone)
        {
            if (ctx.Std.ParserError)
                meta.DropReason = P4Constants.DropParserError;
            else if (ctx.Std.ChecksumError)
                meta.DropReason = P4Constants.DropBadChecksum;
            else if (hdr.Ipv4Valid && hdr.Ipv4.Ihl != 5)
                meta.DropReason = P4Constants.DropIpv4Options;
            else
                _acl.Apply(ctx);
        }
        if (meta.AclPermit)
        {
            if (hdr.ArpValid)
                _arp.Apply(ctx);
            if (!meta.ArpAnswered)
            {
                _station.Apply(ctx);
                if (meta.Routable && (hdr.Ipv4Valid || hdr.Ipv6Valid))
                {
                    _vips.Apply(ctx);
                    if (meta.VipHit)
                    {
                        _distribution.ApplyIngress(ctx);
                        _connections.Apply(ctx);
                        if (!meta.ConnHit)
                        {
                            _newFlows.Apply(ctx);
                            if (meta.SelectBackend)
                                _poolVersions.Apply(ctx);
                        }
                    }
                    else
                    {
                        _returnPath.Apply(ctx);
                    }
                    _backends.Apply(ctx);
                    if (meta.DropReason == P4Constants.DropNone && meta.PuntReason == P4Constants.PuntNone)
                        _routing.Apply(ctx);
                }
                else
                {
                    _bridging.Apply(ctx);
                }
            }
        }
        _verdict.Apply(ctx);
    }

    private void TrafficManager(PacketContext ctx, List<OutputPacket> outputs)
    {
        if (ctx.Std.CloneSession != 0 && _device.Replication.CloneSessions.TryGetValue(ctx.Std.CloneSession, out var session))
        {
            foreach (var replica in session.Replicas)
            {
                var clone = NewContext(ctx.Std.IngressPort, ctx.Packet);
                clone.Std.InstanceType = P4Constants.PktInstanceTypeIngressClone;
                clone.Std.EgressRid = (ushort)replica.Instance;
                Egress(clone, replica.Port, outputs, session.PacketLengthBytes);
            }
        }
        if (ctx.Std.Digest)
        {
            var m = ctx.Meta;
            _device.Digests.Add(_digestId, [m.IpVersion, m.IpSrc, m.IpDst, m.IpProto, m.L4SrcPort, m.L4DstPort, m.VipId, m.BackendId]);
        }
        if (ctx.Std.EndDigest)
        {
            var m = ctx.Meta;
            _device.Digests.Add(_endDigestId, [m.IpVersion, m.IpSrc, m.IpDst, m.IpProto, m.L4SrcPort, m.L4DstPort, m.TcpFlags]);
        }
        if (ctx.Std.McastGrp != 0)
        {
            if (!_device.Replication.MulticastGroups.TryGetValue(ctx.Std.McastGrp, out var replicas))
                return;
            foreach (var replica in replicas)
            {
                var copy = ctx.CloneForReplica();
                copy.Std.InstanceType = P4Constants.PktInstanceTypeReplication;
                copy.Std.EgressRid = (ushort)replica.Instance;
                Egress(copy, replica.Port, outputs, 0);
            }
            return;
        }
        if (ctx.Std.EgressSpec == StandardMetadata.DropPort)
            return;
        Egress(ctx, ctx.Std.EgressSpec, outputs, 0);
    }

    private void Egress(PacketContext ctx, uint port, List<OutputPacket> outputs, int truncateTo)
    {
        ctx.Std.EgressPort = port;
        ctx.Std.EgressSpec = port;
        if (port == _cpuPort)
        {
            PacketIoEgress.Apply(ctx);
        }
        else if (ctx.Std.InstanceType == P4Constants.PktInstanceTypeIngressClone)
        {
            _distribution.ApplyEgress(ctx);
        }
        else if (ctx.Std.InstanceType == P4Constants.PktInstanceTypeReplication && port == ctx.Std.IngressPort)
        {
            _egressDropCounter.Count(P4Constants.DropFloodPruned, ctx.Std.PacketLength);
            ctx.Std.MarkToDrop();
        }
        if (ctx.Std.EgressSpec == StandardMetadata.DropPort)
            return;
        Checksums.Compute(ctx);
        var bytes = OffloadParser.Deparse(ctx);
        if (truncateTo > 0 && bytes.Length > truncateTo)
            bytes = bytes[..truncateTo];
        outputs.Add(new OutputPacket(port, bytes));
    }
}
