// A VIP packet with no connection entry: rate-limit new flows, then select in the data plane, punt, or deliver only.
#ifndef OFFLOAD_NEW_FLOWS_P4
#define OFFLOAD_NEW_FLOWS_P4

control NewFlows(inout headers_t hdr, inout local_metadata_t meta) {
    // The SYN-flood guard: packets/s of new flows per VIP; unconfigured cells are green.
    @id(0x14000401)
    meter(VIP_TABLE_SIZE, MeterType.packets) new_flow_meter;

    apply {
        bool mid_flow = hdr.tcp.isValid() && (meta.tcp_flags & TCP_FLAG_SYN) == 0;
        if (mid_flow && (meta.vip_mode == VIP_MODE_CONTROLLER_CLASSIFY || meta.punt_non_syn == 1)) {
            meta.punt_reason = PUNT_NON_SYN_MISS;
        } else {
            if (!mid_flow) {
                new_flow_meter.execute_meter((bit<32>)meta.vip_id, meta.new_flow_color);
            }
            if (meta.new_flow_color == METER_COLOR_RED) {
                meta.drop_reason = DROP_NEW_FLOW_RATE;
            } else if (meta.vip_mode == VIP_MODE_DATAPLANE_SELECT) {
                meta.select_backend = true;
            } else if (meta.vip_mode == VIP_MODE_CONTROLLER_CLASSIFY) {
                meta.punt_reason = PUNT_NEW_FLOW;
            } else {
                meta.drop_reason = DROP_DELIVER_ONLY;
            }
        }
    }
}

#endif
