// The connection table: one exact 5-tuple entry per client→VIP connection, aged by idle timeout. A client's FIN or
// RST on a pinned connection is told to the controller by digest, which shortens the entry's idle timeout.
#ifndef OFFLOAD_CONNECTIONS_P4
#define OFFLOAD_CONNECTIONS_P4

control Connections(inout headers_t hdr, inout local_metadata_t meta) {
    @id(0x13000501)
    direct_counter(CounterType.packets_and_bytes) conn_v4_counter;
    @id(0x13000502)
    direct_counter(CounterType.packets_and_bytes) conn_v6_counter;

    // seq_delta/ack_delta are zero except for spliced (port-multiplexed) connections.
    @id(0x01000501)
    action forward(backend_id_t backend_id, bit<32> seq_delta, bit<32> ack_delta) {
        meta.conn_hit = true;
        meta.to_backend = true;
        meta.backend_id = backend_id;
        meta.seq_delta = seq_delta;
        meta.ack_delta = ack_delta;
    }

    @id(0x01000502)
    action drop_connection() {
        meta.conn_hit = true;
        meta.drop_reason = DROP_CONNECTION;
    }

    @id(0x02000501)
    table conn_v4 {
        key = {
            hdr.ipv4.src_addr : exact @name("ipv4_src");
            hdr.ipv4.dst_addr : exact @name("ipv4_dst");
            meta.ip_proto     : exact @name("ip_proto");
            meta.l4_src_port  : exact @name("l4_src_port");
            meta.l4_dst_port  : exact @name("l4_dst_port");
        }
        actions = {
            forward;
            drop_connection;
            @defaultonly NoAction;
        }
        default_action = NoAction();
        counters = conn_v4_counter;
        support_timeout = true;
        size = CONN_V4_TABLE_SIZE;
    }

    @id(0x02000502)
    table conn_v6 {
        key = {
            hdr.ipv6.src_addr : exact @name("ipv6_src");
            hdr.ipv6.dst_addr : exact @name("ipv6_dst");
            meta.ip_proto     : exact @name("ip_proto");
            meta.l4_src_port  : exact @name("l4_src_port");
            meta.l4_dst_port  : exact @name("l4_dst_port");
        }
        actions = {
            forward;
            drop_connection;
            @defaultonly NoAction;
        }
        default_action = NoAction();
        counters = conn_v6_counter;
        support_timeout = true;
        size = CONN_V6_TABLE_SIZE;
    }

    apply {
        if (hdr.ipv4.isValid()) {
            conn_v4.apply();
        } else {
            conn_v6.apply();
        }
        if (meta.to_backend && hdr.tcp.isValid()) {
            hdr.tcp.seq_no = hdr.tcp.seq_no + meta.seq_delta;
            hdr.tcp.ack_no = hdr.tcp.ack_no + meta.ack_delta;
            if ((meta.tcp_flags & (TCP_FLAG_FIN | TCP_FLAG_RST)) != 0) {
                digest<connection_end_digest_t>(1, { meta.ip_version, meta.ip_src, meta.ip_dst, meta.ip_proto,
                                                     meta.l4_src_port, meta.l4_dst_port, meta.tcp_flags });
            }
        }
    }
}

#endif
