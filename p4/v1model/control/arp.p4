// ARP requests for our addresses (VIPs and router interfaces) answered in the data plane with their MAC; ARP
// replies to our interface addresses punted, so the controller can tell which neighbours answer on each port.
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

    @id(0x01000202)
    action punt_arp_reply() {
        meta.punt_reason = PUNT_ARP_REPLY;
        meta.arp_answered = true;
    }

    @id(0x02000202)
    table arp_replies {
        key = {
            hdr.arp.tpa : exact @name("target_ipv4");
        }
        actions = {
            punt_arp_reply;
            @defaultonly NoAction;
        }
        default_action = NoAction();
        size = ARP_REPLIES_TABLE_SIZE;
    }

    apply {
        if (hdr.arp.htype == ARP_HTYPE_ETHERNET && hdr.arp.ptype == ETHERTYPE_IPV4) {
            if (hdr.arp.oper == ARP_OPER_REQUEST) {
                arp_targets.apply();
            } else if (hdr.arp.oper == ARP_OPER_REPLY) {
                arp_replies.apply();
            }
        }
    }
}

#endif
