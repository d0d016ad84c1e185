// IPv4 and IPv6 routing: longest prefix → next hop (MACs and port), TTL / hop limit decremented.
#ifndef OFFLOAD_ROUTING_P4
#define OFFLOAD_ROUTING_P4

control Routing(inout headers_t hdr,
                inout local_metadata_t meta,
                inout standard_metadata_t standard_metadata) {
    @id(0x01000801)
    action set_next_hop(port_t port, mac_addr_t src_mac, mac_addr_t dst_mac) {
        standard_metadata.egress_spec = port;
        hdr.ethernet.src_addr = src_mac;
        hdr.ethernet.dst_addr = dst_mac;
    }

    @id(0x01000802)
    action drop_route() {
        meta.drop_reason = DROP_NULL_ROUTE;
    }

    @id(0x01000803)
    action no_route() {
        meta.drop_reason = DROP_NO_ROUTE;
    }

    @id(0x02000801)
    table routing_v4 {
        key = {
            hdr.ipv4.dst_addr : lpm @name("ipv4_dst");
        }
        actions = {
            set_next_hop;
            drop_route;
            no_route;
        }
        default_action = no_route();
        size = ROUTING_V4_TABLE_SIZE;
    }

    @id(0x02000802)
    table routing_v6 {
        key = {
            hdr.ipv6.dst_addr : lpm @name("ipv6_dst");
        }
        actions = {
            set_next_hop;
            drop_route;
            no_route;
        }
        default_action = no_route();
        size = ROUTING_V6_TABLE_SIZE;
    }

    apply {
        if (hdr.ipv4.isValid()) {
            if (hdr.ipv4.ttl <= 1) {
                meta.drop_reason = DROP_TTL_EXPIRED;
            } else {
                routing_v4.apply();
                hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
            }
        } else if (hdr.ipv6.isValid()) {
            if (hdr.ipv6.hop_limit <= 1) {
                meta.drop_reason = DROP_TTL_EXPIRED;
            } else {
                routing_v6.apply();
                hdr.ipv6.hop_limit = hdr.ipv6.hop_limit - 1;
            }
        }
    }
}

#endif
