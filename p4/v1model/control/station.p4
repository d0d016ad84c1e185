// Router MACs (the router interfaces and every VIP's virtual MAC): traffic to them is routed, the rest is bridged.
#ifndef OFFLOAD_STATION_P4
#define OFFLOAD_STATION_P4

control Station(inout headers_t hdr, inout local_metadata_t meta) {
    @id(0x01000301)
    action set_routable() {
        meta.routable = true;
    }

    @id(0x02000301)
    table router_macs {
        key = {
            hdr.ethernet.dst_addr : exact @name("eth_dst");
        }
        actions = {
            set_routable;
            @defaultonly NoAction;
        }
        default_action = NoAction();
        size = ROUTER_MACS_TABLE_SIZE;
    }

    apply {
        router_macs.apply();
    }
}

#endif
