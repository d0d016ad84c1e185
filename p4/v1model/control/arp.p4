// ARP requests for our addresses (VIPs and router interfaces) answered in the data plane with their MAC.
#ifndef OFFLOAD_ARP_P4
#define OFFLOAD_ARP_P4

control ArpResponder(inout headers_t hdr,
                     inout local_metadata_t meta,
                     inout standard_metadata_t standard_metadata) {
    @id(0x01000201)
    action reply_arp(mac_addr_t mac) {
        hdr.ethernet.dst_addr = hdr.arp.sha;
        hdr.ethernet.src_addr = mac;
        hdr.arp.oper = ARP_OPER_REPLY;
        hdr.arp.tha = hdr.arp.sha;
        hdr.arp.sha = mac;
        ipv4_addr_t requester = hdr.arp.spa;
        hdr.arp.spa = hdr.arp.tpa;
        hdr.arp.tpa = requester;
        standard_metadata.egress_spec = standard_metadata.ingress_port;
        meta.arp_answered = true;
    }

    @id(0x02000201)
    table arp_targets {
        key = {
            hdr.arp.tpa : exact @name("target_ipv4");
        }
        actions = {
            reply_arp;
            @defaultonly NoAction;
        }
        default_action = NoAction();
        size = ARP_TARGETS_TABLE_SIZE;
    }

    apply {
        if (hdr.arp.htype == ARP_HTYPE_ETHERNET && hdr.arp.ptype == ETHERTYPE_IPV4
                && hdr.arp.oper == ARP_OPER_REQUEST) {
            arp_targets.apply();
        }
    }
}

#endif
