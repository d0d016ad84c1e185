using System.Net;
using System.Net.Sockets;
using Offload.Controller.Configuration;
using Offload.Controller.Pipeline;
using Offload.Controller.Plumbing.Pools;
using Offload.P4Runtime.Entities;
using Offload.P4Runtime.Schema;
using P4.V1;

namespace Offload.Controller.Plumbing;

/// <summary>
/// The table entries a configuration means for one switch: router MACs and ARP answers for interfaces and VIPs,
/// routes (configured ones and a host route per backend), VIPs, backends, the pool versions of data-plane-select VIPs,
/// return-path endpoints and the ACL. Connection entries are not here: they follow traffic. In an active/standby
/// group the active switch answers ARP for the interfaces with the group's virtual MAC and routes from it; a standby
/// takes frames for its own router MAC only and answers for nothing, so nothing reaches it until it is active.
/// </summary>
public static class DesiredState
{
    public static IReadOnlyList<TableEntry> Build(OffloadConfig config, SwitchConfig sw, P4InfoIndex p4Info, PoolVersions? pools = null,
        Switches.SwitchRole role = Switches.SwitchRole.Alone)
    {
        var standby = role == Switches.SwitchRole.Standby;
        var gatewayMac = sw.Group?.VirtualMac ?? sw.RouterMac;
        if (pools is null)
        {
            pools = new PoolVersions(p4Info);
            pools.Adopt(config);
        }
        var entries = new List<TableEntry>();
        TableEntryBuilder Table(string name) => new(p4Info, name);
        var backends = config.Backends.ToDictionary(b => b.Name);

        var stationMacs = standby ? [sw.RouterMac] : config.Vips.Select(v => v.Vmac).Prepend(gatewayMac).Prepend(sw.RouterMac).Distinct();
        foreach (var mac in stationMacs)
            entries.Add(Table(OffloadP4.RouterMacs).Exact("eth_dst", mac).Action(OffloadP4.SetRoutable).Build());
        foreach (var iface in sw.Interfaces.Where(i => i.Address.AddressFamily == AddressFamily.InterNetwork).DistinctBy(i => i.Address))
        {
            if (!standby)
                entries.Add(Table(OffloadP4.ArpTargets).Exact("target_ipv4", iface.Address.ToString()).Action(OffloadP4.ReplyArp, ("mac", gatewayMac)).Build());
            entries.Add(Table(OffloadP4.ArpReplies).Exact("target_ipv4", iface.Address.ToString()).Action(OffloadP4.PuntArpReply).Build());
        }
        // A group's switches probe from 0.0.0.0 (Health/Ports/PortMonitor): the answers are addressed to it.
        if (sw.Group is not null)
            entries.Add(Table(OffloadP4.ArpReplies).Exact("target_ipv4", "0.0.0.0").Action(OffloadP4.PuntArpReply).Build());
        foreach (var vip in config.Vips.Where(v => !standby && v.Address.AddressFamily == AddressFamily.InterNetwork).DistinctBy(v => v.Address))
            entries.Add(Table(OffloadP4.ArpTargets).Exact("target_ipv4", vip.Address.ToString()).Action(OffloadP4.ReplyArp, ("mac", vip.Vmac)).Build());

        var routes = sw.Routes.Select(r => (Prefix: r.Prefix, r.Port, Mac: r.NextHopMac))
            .Concat(config.Backends.Select(b => (Prefix: new IPNetwork(b.Address, b.Address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128), b.SwitchPort, b.Mac)))
            .DistinctBy(r => r.Prefix);
        foreach (var (prefix, port, mac) in routes)
        {
            var table = prefix.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? OffloadP4.RoutingV4 : OffloadP4.RoutingV6;
            var field = table == OffloadP4.RoutingV4 ? "ipv4_dst" : "ipv6_dst";
            entries.Add(Table(table).Lpm(field, prefix.ToString())
                .Action(OffloadP4.SetNextHop, ("port", port), ("src_mac", gatewayMac), ("dst_mac", mac)).Build());
        }

        foreach (var backend in config.Backends)
        {
            var v4 = backend.Address.AddressFamily == AddressFamily.InterNetwork;
            entries.Add(Table(OffloadP4.Backends).Exact("backend_id", backend.Id)
                .Action(v4 ? OffloadP4.SetBackendV4 : OffloadP4.SetBackendV6, (v4 ? "ipv4_addr" : "ipv6_addr", backend.Address.ToString()), ("l4_port", backend.Port)).Build());
        }

        foreach (var vip in config.Vips)
        {
            var v4 = vip.Address.AddressFamily == AddressFamily.InterNetwork;
            entries.Add(Table(v4 ? OffloadP4.VipV4 : OffloadP4.VipV6).Exact(v4 ? "ipv4_dst" : "ipv6_dst", vip.Address.ToString())
                .Exact("ip_proto", vip.Protocol).Exact("l4_dst_port", vip.Port)
                .Action(OffloadP4.SetVip, ("vip_id", vip.Id), ("mode", Mode(vip.Mode)), ("punt_non_syn", vip.PuntNonSyn ? 1 : 0)).Build());
        }
        entries.AddRange(pools.Entries());

        // A backend endpoint behind exactly one VIP, and not reached directly, can be rewritten back without per-connection state;
        // a multiplex VIP's endpoints are punted instead, so the controller sees a backend's answers until it has spliced the connection.
        var endpoints = config.Vips.SelectMany(v => v.Pool.Select(n => (Vip: v, Backend: backends[n]))).Where(x => !x.Backend.DirectAccess)
            .GroupBy(x => (x.Backend.Address, x.Backend.Port, x.Vip.Protocol));
        foreach (var group in endpoints.Where(g => g.Select(x => x.Vip.Name).Distinct().Count() == 1))
        {
            var (vip, backend) = group.First();
            var v4 = backend.Address.AddressFamily == AddressFamily.InterNetwork;
            var endpoint = Table(v4 ? OffloadP4.ReverseEndpointV4 : OffloadP4.ReverseEndpointV6)
                .Exact(v4 ? "ipv4_src" : "ipv6_src", backend.Address.ToString()).Exact("ip_proto", vip.Protocol).Exact("l4_src_port", backend.Port);
            entries.Add((vip.Mode == VipMode.Multiplex ? endpoint.Action(OffloadP4.PuntReturnMiss)
                : endpoint.Action(v4 ? OffloadP4.ReverseNatV4 : OffloadP4.ReverseNatV6, ("backend_id", backend.Id), ("vip_addr", vip.Address.ToString()),
                    ("vip_port", vip.Port), ("seq_delta", 0), ("ack_delta", 0))).Build());
        }

        foreach (var rule in config.Acl)
            entries.Add(AclEntry(Table(OffloadP4.Acl), rule));
        // Neighbor solicitations for our IPv6 addresses go to the controller, which advertises (Switches/NeighborResponder).
        foreach (var destination in new Switches.NeighborResponder(config, sw, role).PuntedDestinations)
        {
            var rule = Table(OffloadP4.Acl).Ternary("eth_type", 0x86dd, 0xffff).Ternary("ip_proto", 58, 0xff).Ternary("icmp_type", 135, 0xff);
            Prefix(rule, "ip_dst", new IPNetwork(destination, 128));
            entries.Add(rule.Action(OffloadP4.PuntAcl).Priority(NeighborSolicitationPriority).Build());
        }

        // Distribution: the VIP's clone session (numbered like the VIP) copies each packet to its applications.
        foreach (var vip in config.Vips.Where(v => v.DeliverTo.Count > 0))
            entries.Add(Table(OffloadP4.Distribution).Exact("vip_id", vip.Id).Action(OffloadP4.Distribute, ("clone_session", vip.Id)).Build());
        foreach (var app in config.Applications)
        {
            var builder = Table(OffloadP4.Replicas).Exact("app_id", app.Id);
            entries.Add((app.Address switch
            {
                null => builder.Action(OffloadP4.RewriteReplicaMac, ("dst_mac", app.Mac)),
                { AddressFamily: AddressFamily.InterNetwork } a => builder.Action(OffloadP4.RewriteReplicaV4, ("dst_mac", app.Mac), ("ipv4_addr", a.ToString())),
                var a => builder.Action(OffloadP4.RewriteReplicaV6, ("dst_mac", app.Mac), ("ipv6_addr", a.ToString())),
            }).Build());
        }
        return entries;
    }

    /// <summary>One clone session per VIP delivered to applications: a replica per application (its port, its id as the instance).</summary>
    public static IReadOnlyList<CloneSessionEntry> CloneSessions(OffloadConfig config)
    {
        var applications = config.Applications.ToDictionary(a => a.Name);
        return config.Vips.Where(v => v.DeliverTo.Count > 0).Select(v =>
        {
            var session = new CloneSessionEntry { SessionId = (uint)v.Id };
            session.Replicas.Add(v.DeliverTo.Select(n => applications[n])
                .Select(a => new Replica { Port = Offload.P4Runtime.Bytestrings.P4Bytes.Encode(a.SwitchPort, 32), Instance = (uint)a.Id }));
            return session;
        }).ToList();
    }

    private static int Mode(VipMode mode) => mode switch
    {
        VipMode.DataplaneSelect => OffloadP4.ModeDataplaneSelect,
        VipMode.ControllerClassify or VipMode.Multiplex => OffloadP4.ModeControllerClassify,
        _ => OffloadP4.ModeDeliverOnly,
    };

    private static TableEntry AclEntry(TableEntryBuilder builder, AclRuleConfig rule)
    {
        if (rule.IngressPort is { } port)
            builder.Optional("ingress_port", port);
        if (rule.Source is { } source)
            Prefix(builder, "ip_src", source);
        if (rule.Destination is { } destination)
            Prefix(builder, "ip_dst", destination);
        if ((rule.Source ?? rule.Destination) is { } any)
            builder.Ternary("eth_type", any.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 0x0800 : 0x86dd, 0xffff);
        if (rule.Protocol is { } protocol)
            builder.Ternary("ip_proto", protocol, 0xff);
        if (rule.DestinationPortLow is { } low && rule.DestinationPortHigh is { } high)
            builder.Range("l4_dst_port", low, high);
        var action = rule.Action switch { AclAction.Drop => OffloadP4.DropAcl, AclAction.Punt => OffloadP4.PuntAcl, _ => OffloadP4.PermitAcl };
        return builder.Action(action).Priority(rule.Priority).Build();
    }

    /// <summary>Above every configured rule: a configured rule cannot hide the switch's addresses from their neighbors.</summary>
    public const int NeighborSolicitationPriority = int.MaxValue;

    // acl's address fields are family-neutral 128-bit: IPv4 sits in the low 32 bits.
    private static void Prefix(TableEntryBuilder builder, string field, IPNetwork network)
    {
        var width = network.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var value = new System.Numerics.BigInteger(network.BaseAddress.GetAddressBytes(), isUnsigned: true, isBigEndian: true);
        var mask = ((System.Numerics.BigInteger.One << network.PrefixLength) - 1) << (width - network.PrefixLength);
        builder.Ternary(field, value, mask);
    }
}
