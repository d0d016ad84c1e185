using Offload.P4Runtime.Schema;

namespace Offload.Controller.Pipeline;

/// <summary>The offload.p4 names the controller writes (aliases; a test checks them against p4/offload.p4info.txtpb).</summary>
public static class OffloadP4
{
    public const string Acl = "acl", PermitAcl = "permit_acl", DropAcl = "drop_acl", PuntAcl = "punt_acl";
    public const string ArpTargets = "arp_targets", ReplyArp = "reply_arp", ArpReplies = "arp_replies", PuntArpReply = "punt_arp_reply";
    public const string RouterMacs = "router_macs", SetRoutable = "set_routable";
    public const string VipV4 = "vip_v4", VipV6 = "vip_v6", SetVip = "set_vip";
    public const string ConnV4 = "conn_v4", ConnV6 = "conn_v6", Forward = "forward", DropConnection = "drop_connection";
    public const string VipPool = "vip_pool", SetPoolVersion = "set_pool_version";
    public const string BackendSelect = "backend_select", SetBackendId = "set_backend_id";
    public const string Backends = "backends", SetBackendV4 = "set_backend_v4", SetBackendV6 = "set_backend_v6";
    public const string ReverseConnV4 = "reverse_conn_v4", ReverseConnV6 = "reverse_conn_v6";
    public const string ReverseEndpointV4 = "reverse_endpoint_v4", ReverseEndpointV6 = "reverse_endpoint_v6";
    public const string ReverseNatV4 = "reverse_nat_v4", ReverseNatV6 = "reverse_nat_v6", PuntReturnMiss = "punt_return_miss";
    public const string RoutingV4 = "routing_v4", RoutingV6 = "routing_v6", SetNextHop = "set_next_hop";
    public const string Distribution = "distribution", Distribute = "distribute";
    public const string Replicas = "replicas", RewriteReplicaMac = "rewrite_replica_mac", RewriteReplicaV4 = "rewrite_replica_v4", RewriteReplicaV6 = "rewrite_replica_v6";
    public const string ConnectionDigest = "connection_digest_t", ConnectionEndDigest = "connection_end_digest_t";

    /// <summary>Tables whose whole content follows from configuration; reconcile owns them. Connection tables follow traffic instead.</summary>
    public static readonly IReadOnlyList<string> ConfiguredTables =
        [Acl, ArpTargets, ArpReplies, RouterMacs, VipV4, VipV6, VipPool, BackendSelect, Backends, ReverseEndpointV4, ReverseEndpointV6, RoutingV4, RoutingV6,
         Distribution, Replicas];

    /// <summary>A Read filter for every entry of one table.</summary>
    public static P4.V1.Entity WholeTable(P4InfoIndex p4Info, string table) =>
        new() { TableEntry = new P4.V1.TableEntry { TableId = p4Info.Tables[table].Preamble.Id } };

    /// <summary>The P4Info of the offload.p4 this controller was built with (p4/offload.p4info.txtpb).</summary>
    public static P4InfoIndex BuiltInP4Info => BuiltIn.Value;

    private static readonly Lazy<P4InfoIndex> BuiltIn = new(() =>
    {
        using var stream = typeof(OffloadP4).Assembly.GetManifestResourceStream("offload.p4info.txtpb")!;
        using var reader = new StreamReader(stream);
        return P4InfoIndex.FromText(reader.ReadToEnd(), "offload.p4info.txtpb");
    });

    public const string VipCounter = "vip_counter", DropCounter = "drop_counter", PuntCounter = "punt_counter", EgressDropCounter = "egress_drop_counter";

    /// <summary>drop_counter's and egress_drop_counter's indexes: DROP_* of shared/define.p4, lower case, by value.</summary>
    public static readonly IReadOnlyList<string> DropReasons =
        ["none", "parser_error", "bad_checksum", "ipv4_options", "acl", "connection", "new_flow_rate", "no_backend", "deliver_only",
         "null_route", "no_route", "ttl_expired", "l2_miss", "packet_out_port", "flood_pruned"];

    /// <summary>punt_counter's indexes: PUNT_* of shared/define.p4, lower case, by value.</summary>
    public static readonly IReadOnlyList<string> PuntReasons = ["none", "new_flow", "non_syn_miss", "acl", "return_miss", "arp_reply"];

    /// <summary>set_vip's mode parameter.</summary>
    public const int ModeDataplaneSelect = 0, ModeControllerClassify = 1, ModeDeliverOnly = 2;
}
