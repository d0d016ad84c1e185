namespace Offload.Simulator.Pipeline;

/// <summary>The P4Info names of offload.p4 the pipeline executes; a test checks them against p4/offload.p4info.txtpb.</summary>
internal static class P4Names
{
    private const string I = "OffloadIngress.";
    private const string E = "OffloadEgress.";

    public const string NoAction = "NoAction";

    public const string Acl = I + "acl.acl";
    public const string PermitAcl = I + "acl.permit_acl", DropAcl = I + "acl.drop_acl", PuntAcl = I + "acl.punt_acl";

    public const string ArpTargets = I + "arp.arp_targets";
    public const string ReplyArp = I + "arp.reply_arp";
    public const string ArpReplies = I + "arp.arp_replies";
    public const string PuntArpReply = I + "arp.punt_arp_reply";

    public const string RouterMacs = I + "station.router_macs";
    public const string SetRoutable = I + "station.set_routable";

    public const string VipV4 = I + "vips.vip_v4", VipV6 = I + "vips.vip_v6";
    public const string SetVip = I + "vips.set_vip";
    public const string VipCounter = I + "vips.vip_counter";

    public const string Distribution = I + "distribution.distribution";
    public const string Distribute = I + "distribution.distribute";

    public const string ConnV4 = I + "connections.conn_v4", ConnV6 = I + "connections.conn_v6";
    public const string Forward = I + "connections.forward", DropConnection = I + "connections.drop_connection";

    public const string NewFlowMeter = I + "new_flows.new_flow_meter";

    public const string VipPool = I + "pool_versions.vip_pool", SetPoolVersion = I + "pool_versions.set_pool_version";
    public const string TransitFilter = I + "pool_versions.transit_filter";

    public const string BackendSelect = I + "backends.backend_select", Backends = I + "backends.backends";
    public const string BackendSelector = I + "backends.backend_selector";
    public const string SetBackendId = I + "backends.set_backend_id", SetBackendV4 = I + "backends.set_backend_v4",
        SetBackendV6 = I + "backends.set_backend_v6", NoBackend = I + "backends.no_backend";
    public const string BackendCounter = I + "backends.backend_counter";
    public const string ConnectionDigest = "connection_digest_t";
    public const string ConnectionEndDigest = "connection_end_digest_t";

    public const string ReverseConnV4 = I + "return_path.reverse_conn_v4", ReverseConnV6 = I + "return_path.reverse_conn_v6",
        ReverseEndpointV4 = I + "return_path.reverse_endpoint_v4", ReverseEndpointV6 = I + "return_path.reverse_endpoint_v6";
    public const string ReverseNatV4 = I + "return_path.reverse_nat_v4", ReverseNatV6 = I + "return_path.reverse_nat_v6",
        PuntReturnMiss = I + "return_path.punt_return_miss";

    public const string RoutingV4 = I + "routing.routing_v4", RoutingV6 = I + "routing.routing_v6";
    public const string SetNextHop = I + "routing.set_next_hop", DropRoute = I + "routing.drop_route", NoRoute = I + "routing.no_route";

    public const string L2 = I + "bridging.l2";
    public const string SetL2Port = I + "bridging.set_l2_port", SetL2Multicast = I + "bridging.set_l2_multicast", L2Miss = I + "bridging.l2_miss";

    public const string DropCounter = I + "verdict.drop_counter", PuntCounter = I + "verdict.punt_counter";

    public const string Replicas = E + "distribution.replicas";
    public const string RewriteReplicaMac = E + "distribution.rewrite_replica_mac", RewriteReplicaV4 = E + "distribution.rewrite_replica_v4",
        RewriteReplicaV6 = E + "distribution.rewrite_replica_v6";
    public const string EgressDropCounter = E + "egress_drop_counter";
}
