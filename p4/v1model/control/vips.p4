// VIPs: (address, protocol, port) → VIP id and how its new flows are balanced. Every VIP packet is counted by id.
#ifndef OFFLOAD_VIPS_P4
#define OFFLOAD_VIPS_P4

control Vips(inout headers_t hdr, inout local_metadata_t meta) {
    @id(0x12000401)
    counter(VIP_TABLE_SIZE, CounterType.packets_and_bytes) vip_counter;

    @id(0x01000401)
    action set_vip(vip_id_t vip_id, bit<8> mode, bit<1> punt_non_syn) {
        meta.vip_hit = true;
        meta.vip_id = vip_id;
        meta.vip_mode = mode;
        meta.punt_non_syn = punt_non_syn;
    }

    @id(0x02000401)
    table vip_v4 {
        key = {
            hdr.ipv4.dst_addr : exact @name("ipv4_dst");
            meta.ip_proto     : exact @name("ip_proto");
            meta.l4_dst_port  : exact @name("l4_dst_port");
        }
        actions = {
            set_vip;
            @defaultonly NoAction;
        }
        default_action = NoAction();
        size = VIP_TABLE_SIZE;
    }

    @id(0x02000402)
    table vip_v6 {
        key = {
            hdr.ipv6.dst_addr : exact @name("ipv6_dst");
            meta.ip_proto     : exact @name("ip_proto");
            meta.l4_dst_port  : exact @name("l4_dst_port");
        }
        actions = {
            set_vip;
            @defaultonly NoAction;
        }
        default_action = NoAction();
        size = VIP_TABLE_SIZE;
    }

    apply {
        if (hdr.ipv4.isValid()) {
            vip_v4.apply();
        } else if (hdr.ipv6.isValid()) {
            vip_v6.apply();
        }
        if (meta.vip_hit) {
            vip_counter.count((bit<32>)meta.vip_id);
        }
    }
}

#endif
