// Distribution (seed 004): one service address delivered to several applications. Ingress clones the packet as
// received to a clone session (one replica per application); egress rewrites each replica for its application.
#ifndef OFFLOAD_DISTRIBUTION_P4
#define OFFLOAD_DISTRIBUTION_P4

control DistributionIngress(inout headers_t hdr, inout local_metadata_t meta) {
    @id(0x13000a01)
    direct_counter(CounterType.packets_and_bytes) distribution_counter;

    @id(0x01000a01)
    action distribute(bit<16> clone_session) {
        clone(CloneType.I2E, (bit<32>)clone_session);
    }

    @id(0x02000a01)
    table distribution {
        key = {
            meta.vip_id : exact @name("vip_id");
        }
        actions = {
            distribute;
            @defaultonly NoAction;
        }
        default_action = NoAction();
        counters = distribution_counter;
        size = DISTRIBUTION_TABLE_SIZE;
    }

    apply {
        distribution.apply();
    }
}

control DistributionEgress(inout headers_t hdr,
                           inout local_metadata_t meta,
                           in standard_metadata_t standard_metadata) {
    @id(0x13000b01)
    direct_counter(CounterType.packets_and_bytes) replicas_counter;

    @id(0x01000b01)
    action rewrite_replica_mac(mac_addr_t dst_mac) {
        hdr.ethernet.dst_addr = dst_mac;
    }

    @id(0x01000b02)
    action rewrite_replica_v4(mac_addr_t dst_mac, ipv4_addr_t ipv4_addr) {
        hdr.ethernet.dst_addr = dst_mac;
        hdr.ipv4.dst_addr = ipv4_addr;
        meta.l4_rewritten = true;
    }

    @id(0x01000b03)
    action rewrite_replica_v6(mac_addr_t dst_mac, ipv6_addr_t ipv6_addr) {
        hdr.ethernet.dst_addr = dst_mac;
        hdr.ipv6.dst_addr = ipv6_addr;
        meta.l4_rewritten = true;
    }

    // The key is the replica's instance in its clone session: one application id per replica.
    @id(0x02000b01)
    table replicas {
        key = {
            standard_metadata.egress_rid : exact @name("app_id");
        }
        actions = {
            rewrite_replica_mac;
            rewrite_replica_v4;
            rewrite_replica_v6;
            NoAction;
        }
        default_action = NoAction();
        counters = replicas_counter;
        size = REPLICAS_TABLE_SIZE;
    }

    apply {
        replicas.apply();
    }
}

#endif
