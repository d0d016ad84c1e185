// L2 for directly attached hosts and for traffic not addressed to a router MAC; broadcast via a flood group.
#ifndef OFFLOAD_BRIDGING_P4
#define OFFLOAD_BRIDGING_P4

control Bridging(inout headers_t hdr,
                 inout local_metadata_t meta,
                 inout standard_metadata_t standard_metadata) {
    @id(0x01000901)
    action set_l2_port(port_t port) {
        standard_metadata.egress_spec = port;
    }

    @id(0x01000902)
    action set_l2_multicast(bit<16> group) {
        standard_metadata.mcast_grp = group;
    }

    @id(0x01000903)
    action l2_miss() {
        meta.drop_reason = DROP_L2_MISS;
    }

    @id(0x02000901)
    table l2 {
        key = {
            hdr.ethernet.dst_addr : exact @name("eth_dst");
        }
        actions = {
            set_l2_port;
            set_l2_multicast;
            l2_miss;
        }
        default_action = l2_miss();
        size = L2_TABLE_SIZE;
    }

    apply {
        l2.apply();
    }
}

#endif
