// Pool versions: which version of a data-plane-select VIP's pool balances a flow that has no connection entry yet.
// A pool change writes the new version beside the old one and flips to it in SilkRoad's three steps; the transit
// filter (a Bloom filter of two cells per flow) keeps flows that started on the old version there until pinned.
#ifndef OFFLOAD_POOL_VERSIONS_P4
#define OFFLOAD_POOL_VERSIONS_P4

control PoolVersions(inout headers_t hdr, inout local_metadata_t meta) {
    // A cell is set when it holds the epoch of the pool change under way, so a new epoch clears the filter.
    @id(0x16000e01)
    register<bit<8>>(TRANSIT_FILTER_SIZE) transit_filter;

    @id(0x01000e01)
    action set_pool_version(bit<8> current, bit<8> previous, bit<8> phase, bit<8> epoch) {
        meta.pool_version = current;
        meta.previous_pool_version = previous;
        meta.transit_phase = phase;
        meta.transit_epoch = epoch;
    }

    @id(0x02000e01)
    table vip_pool {
        key = {
            meta.vip_id : exact @name("vip_id");
        }
        actions = {
            set_pool_version;
            @defaultonly NoAction;
        }
        default_action = NoAction();
        size = VIP_TABLE_SIZE;
    }

    apply {
        vip_pool.apply();
        if (meta.transit_phase != TRANSIT_STEADY) {
            bit<32> first;
            bit<32> second;
            hash(first, HashAlgorithm.crc32, 32w0,
                 { meta.ip_src, meta.ip_dst, meta.ip_proto, meta.l4_src_port, meta.l4_dst_port }, (bit<32>)TRANSIT_FILTER_SIZE);
            hash(second, HashAlgorithm.crc16, 32w0,
                 { meta.ip_src, meta.ip_dst, meta.ip_proto, meta.l4_src_port, meta.l4_dst_port }, (bit<32>)TRANSIT_FILTER_SIZE);
            if (meta.transit_phase == TRANSIT_RECORDING) {
                transit_filter.write(first, meta.transit_epoch);
                transit_filter.write(second, meta.transit_epoch);
            } else if (meta.transit_phase == TRANSIT_DRAINING) {
                bit<8> first_cell;
                bit<8> second_cell;
                transit_filter.read(first_cell, first);
                transit_filter.read(second_cell, second);
                if (first_cell == meta.transit_epoch && second_cell == meta.transit_epoch) {
                    meta.pool_version = meta.previous_pool_version;
                }
            }
        }
    }
}

#endif
