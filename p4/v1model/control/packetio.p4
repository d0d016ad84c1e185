// The CPU port: packet_out from the controller on the way in, packet_in to the controller on the way out.
#ifndef OFFLOAD_PACKETIO_P4
#define OFFLOAD_PACKETIO_P4

control PacketIoIngress(inout headers_t hdr,
                        inout local_metadata_t meta,
                        inout standard_metadata_t standard_metadata) {
    apply {
        if (hdr.packet_out.mode == PACKET_OUT_TO_PORT) {
            if (hdr.packet_out.egress_port == 0 || hdr.packet_out.egress_port >= (bit<16>)CPU_PORT) {
                meta.drop_reason = DROP_PACKET_OUT_PORT;
            } else {
                standard_metadata.egress_spec = (port_t)hdr.packet_out.egress_port;
            }
            meta.packet_out_done = true;
        }
        hdr.packet_out.setInvalid();
    }
}

control PacketIoEgress(inout headers_t hdr,
                       inout local_metadata_t meta,
                       inout standard_metadata_t standard_metadata) {
    apply {
        hdr.packet_in.setValid();
        hdr.packet_in.ingress_port = (bit<16>)standard_metadata.ingress_port;
        hdr.packet_in.reason = meta.punt_reason;
        hdr.packet_in.vip_id = meta.vip_id;
    }
}

#endif
