// The return path: backend → client packets rewritten back to the VIP, per connection, or per backend endpoint
// when the endpoint serves one VIP only (which also covers a SYN-ACK that beats its connection's digest).
#ifndef OFFLOAD_RETURN_PATH_P4
#define OFFLOAD_RETURN_PATH_P4

control ReturnPath(inout headers_t hdr, inout local_metadata_t meta) {
    @id(0x01000701)
    action reverse_nat_v4(backend_id_t backend_id, ipv4_addr_t vip_addr, bit<16> vip_port,
                          bit<32> seq_delta, bit<32> ack_delta) {
        hdr.ipv4.src_addr = vip_addr;
        meta.backend_id = backend_id;
        meta.nat_l4_port = vip_port;
        meta.seq_delta = seq_delta;
        meta.ack_delta = ack_delta;
        meta.l4_rewritten = true;
    }

    @id(0x01000702)
    action reverse_nat_v6(backend_id_t backend_id, ipv6_addr_t vip_addr, bit<16> vip_port,
                          bit<32> seq_delta, bit<32> ack_delta) {
        hdr.ipv6.src_addr = vip_addr;
        meta.backend_id = backend_id;
        meta.nat_l4_port = vip_port;
        meta.seq_delta = seq_delta;
        meta.ack_delta = ack_delta;
        meta.l4_rewritten = true;
    }

    @id(0x01000703)
    action punt_return_miss() {
        meta.punt_reason = PUNT_RETURN_MISS;
    }

    @id(0x02000701)
    table reverse_conn_v4 {
        key = {
            hdr.ipv4.src_addr : exact @name("ipv4_src");
            hdr.ipv4.dst_addr : exact @name("ipv4_dst");
            meta.ip_proto     : exact @name("ip_proto");
            meta.l4_src_port  : exact @name("l4_src_port");
            meta.l4_dst_port  : exact @name("l4_dst_port");
        }
        actions = {
            reverse_nat_v4;
            @defaultonly NoAction;
        }
        default_action = NoAction();
        size = REVERSE_CONN_V4_TABLE_SIZE;
    }

    @id(0x02000702)
    table reverse_conn_v6 {
        key = {
            hdr.ipv6.src_addr : exact @name("ipv6_src");
            hdr.ipv6.dst_addr : exact @name("ipv6_dst");
            meta.ip_proto     : exact @name("ip_proto");
            meta.l4_src_port  : exact @name("l4_src_port");
            meta.l4_dst_port  : exact @name("l4_dst_port");
        }
        actions = {
            reverse_nat_v6;
            @defaultonly NoAction;
        }
        default_action = NoAction();
        size = REVERSE_CONN_V6_TABLE_SIZE;
    }

    @id(0x02000703)
    table reverse_endpoint_v4 {
        key = {
            hdr.ipv4.src_addr : exact @name("ipv4_src");
            meta.ip_proto     : exact @name("ip_proto");
            meta.l4_src_port  : exact @name("l4_src_port");
        }
        actions = {
            reverse_nat_v4;
            punt_return_miss;
            @defaultonly NoAction;
        }
        default_action = NoAction();
        size = REVERSE_ENDPOINT_TABLE_SIZE;
    }

    @id(0x02000704)
    table reverse_endpoint_v6 {
        key = {
            hdr.ipv6.src_addr : exact @name("ipv6_src");
            meta.ip_proto     : exact @name("ip_proto");
            meta.l4_src_port  : exact @name("l4_src_port");
        }
        actions = {
            reverse_nat_v6;
            punt_return_miss;
            @defaultonly NoAction;
        }
        default_action = NoAction();
        size = REVERSE_ENDPOINT_TABLE_SIZE;
    }

    apply {
        if (hdr.ipv4.isValid()) {
            if (!reverse_conn_v4.apply().hit) {
                reverse_endpoint_v4.apply();
            }
        } else {
            if (!reverse_conn_v6.apply().hit) {
                reverse_endpoint_v6.apply();
            }
        }
        if (meta.l4_rewritten) {
            if (hdr.tcp.isValid()) {
                hdr.tcp.src_port = meta.nat_l4_port;
                hdr.tcp.seq_no = hdr.tcp.seq_no + meta.seq_delta;
                hdr.tcp.ack_no = hdr.tcp.ack_no + meta.ack_delta;
            } else if (hdr.udp.isValid()) {
                hdr.udp.src_port = meta.nat_l4_port;
            }
        }
    }
}

#endif
