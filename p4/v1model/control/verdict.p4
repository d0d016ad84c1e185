// The end of ingress: a punted packet goes to the CPU port, a dropped one is dropped; both counted by reason.
#ifndef OFFLOAD_VERDICT_P4
#define OFFLOAD_VERDICT_P4

control Verdict(inout local_metadata_t meta, inout standard_metadata_t standard_metadata) {
    @id(0x12000c01)
    counter(DROP_REASONS, CounterType.packets_and_bytes) drop_counter;
    @id(0x12000c02)
    counter(PUNT_REASONS, CounterType.packets_and_bytes) punt_counter;

    apply {
        if (meta.drop_reason != DROP_NONE) {
            drop_counter.count((bit<32>)meta.drop_reason);
            mark_to_drop(standard_metadata);
        } else if (meta.punt_reason != PUNT_NONE) {
            punt_counter.count((bit<32>)meta.punt_reason);
            standard_metadata.egress_spec = CPU_PORT;
            standard_metadata.mcast_grp = 0;
        }
    }
}

#endif
