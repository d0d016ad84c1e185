// Backends: the action selector that picks one for a new flow (and tells the controller by digest),
// the rewrite of the destination to the chosen backend, and the per-backend counter, the controller's load signal.
#ifndef OFFLOAD_BACKENDS_P4
#define OFFLOAD_BACKENDS_P4

// p4c gives every table a default action (NoAction when none is written) and its BMv2 backend warns that a
// selector table cannot have one ("unsupported"); backend_select's miss is handled in apply instead, so the
// warning says nothing about this program and is turned off here.
@diagnostic("unsupported", "disable")
control Backends(inout headers_t hdr, inout local_metadata_t meta) {
    @id(0x12000601)
    counter(BACKENDS_TABLE_SIZE, CounterType.packets_and_bytes) backend_counter;

    @id(0x11000601)
    @max_group_size(BACKEND_SELECTOR_GROUP_SIZE)
    action_selector(HashAlgorithm.crc16, BACKEND_SELECTOR_SIZE, 16) backend_selector;

    @id(0x01000601)
    action set_backend_id(backend_id_t backend_id) {
        meta.backend_id = backend_id;
    }

    @id(0x01000602)
    action set_backend_v4(ipv4_addr_t ipv4_addr, bit<16> l4_port) {
        hdr.ipv4.dst_addr = ipv4_addr;
        meta.nat_l4_port = l4_port;
        meta.l4_rewritten = true;
    }

    @id(0x01000603)
    action set_backend_v6(ipv6_addr_t ipv6_addr, bit<16> l4_port) {
        hdr.ipv6.dst_addr = ipv6_addr;
        meta.nat_l4_port = l4_port;
        meta.l4_rewritten = true;
    }

    @id(0x01000604)
    action no_backend() {
        meta.drop_reason = DROP_NO_BACKEND;
    }

    @id(0x02000601)
    table backend_select {
        key = {
            meta.vip_id       : exact @name("vip_id");
            meta.pool_version : exact @name("pool_version");
            meta.ip_src       : selector;
            meta.ip_dst       : selector;
            meta.ip_proto     : selector;
            meta.l4_src_port  : selector;
            meta.l4_dst_port  : selector;
        }
        actions = {
            set_backend_id;
            @defaultonly NoAction;
        }
        implementation = backend_selector;
        size = BACKEND_SELECT_TABLE_SIZE;
    }

    @id(0x02000602)
    table backends {
        key = {
            meta.backend_id : exact @name("backend_id");
        }
        actions = {
            set_backend_v4;
            set_backend_v6;
            @defaultonly no_backend;
        }
        default_action = no_backend();
        size = BACKENDS_TABLE_SIZE;
    }

    apply {
        if (meta.select_backend) {
            // BMv2 runs no default action on a selector table's miss: the miss is spelled out here.
            if (!backend_select.apply().hit) {
                meta.backend_id = 0;
            }
            if (meta.backend_id == 0) {
                meta.drop_reason = DROP_NO_BACKEND;
            } else {
                meta.to_backend = true;
                digest<connection_digest_t>(1, { meta.ip_version, meta.ip_src, meta.ip_dst, meta.ip_proto,
                                                 meta.l4_src_port, meta.l4_dst_port, meta.vip_id, meta.backend_id });
            }
        }
        if (meta.backend_id != 0 && meta.drop_reason == DROP_NONE) {
            backend_counter.count((bit<32>)meta.backend_id);
            if (meta.to_backend) {
                backends.apply();
                if (hdr.tcp.isValid()) {
                    hdr.tcp.dst_port = meta.nat_l4_port;
                } else if (hdr.udp.isValid()) {
                    hdr.udp.dst_port = meta.nat_l4_port;
                }
            }
        }
    }
}

#endif
