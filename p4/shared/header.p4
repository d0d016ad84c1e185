// Packet headers, the controller headers and the metadata every control shares.
#ifndef OFFLOAD_HEADER_P4
#define OFFLOAD_HEADER_P4

#include "define.p4"

@controller_header("packet_in")
header packet_in_t {
    bit<16> ingress_port;
    bit<8>  reason;       // PUNT_*
    bit<16> vip_id;       // 0 unless the packet matched a VIP
}

@controller_header("packet_out")
header packet_out_t {
    bit<16> egress_port;  // used when mode == PACKET_OUT_TO_PORT
    bit<8>  mode;         // PACKET_OUT_*
}

header ethernet_t {
    mac_addr_t dst_addr;
    mac_addr_t src_addr;
    bit<16>    ether_type;
}

header vlan_t {
    bit<3>  pcp;
    bit<1>  dei;
    bit<12> vlan_id;
    bit<16> ether_type;
}

// ARP for IPv4 over Ethernet only (RFC 826 with hlen 6, plen 4).
header arp_t {
    bit<16>     htype;
    bit<16>     ptype;
    bit<8>      hlen;
    bit<8>      plen;
    bit<16>     oper;
    mac_addr_t  sha;
    ipv4_addr_t spa;
    mac_addr_t  tha;
    ipv4_addr_t tpa;
}

header ipv4_t {
    bit<4>      version;
    bit<4>      ihl;
    bit<6>      dscp;
    bit<2>      ecn;
    bit<16>     total_len;
    bit<16>     identification;
    bit<3>      flags;
    bit<13>     frag_offset;
    bit<8>      ttl;
    bit<8>      protocol;
    bit<16>     hdr_checksum;
    ipv4_addr_t src_addr;
    ipv4_addr_t dst_addr;
}

header ipv6_t {
    bit<4>      version;
    bit<8>      traffic_class;
    bit<20>     flow_label;
    bit<16>     payload_len;
    bit<8>      next_hdr;
    bit<8>      hop_limit;
    ipv6_addr_t src_addr;
    ipv6_addr_t dst_addr;
}

header tcp_t {
    bit<16> src_port;
    bit<16> dst_port;
    bit<32> seq_no;
    bit<32> ack_no;
    bit<4>  data_offset;
    bit<4>  res;
    bit<8>  flags;
    bit<16> window;
    bit<16> checksum;
    bit<16> urgent_ptr;
}

header udp_t {
    bit<16> src_port;
    bit<16> dst_port;
    bit<16> length;
    bit<16> checksum;
}

// The first four bytes of ICMP and ICMPv6; the rest stays payload.
header icmp_t {
    bit<8>  type;
    bit<8>  code;
    bit<16> checksum;
}

struct headers_t {
    packet_out_t packet_out;
    packet_in_t  packet_in;
    ethernet_t   ethernet;
    vlan_t       vlan;
    arp_t        arp;
    ipv4_t       ipv4;
    ipv6_t       ipv6;
    tcp_t        tcp;
    udp_t        udp;
    icmp_t       icmp;
}

// What the connection digest tells the controller: pin this flow to this backend.
struct connection_digest_t {
    bit<8>       ip_version;
    bit<128>     ip_src;
    bit<128>     ip_dst;
    bit<8>       ip_proto;
    bit<16>      l4_src_port;
    bit<16>      l4_dst_port;
    vip_id_t     vip_id;
    backend_id_t backend_id;
}

// What the connection-end digest tells the controller: the client of this pinned connection sent FIN or RST.
struct connection_end_digest_t {
    bit<8>   ip_version;
    bit<128> ip_src;
    bit<128> ip_dst;
    bit<8>   ip_proto;
    bit<16>  l4_src_port;
    bit<16>  l4_dst_port;
    bit<8>   tcp_flags;
}

struct local_metadata_t {
    // Set by the parser and never rewritten, so the digest (read at the end of ingress on BMv2) sees the packet as received.
    bit<16>      eth_type;      // after any 802.1Q tag
    bit<8>       ip_version;    // 4, 6 or 0
    bit<128>     ip_src;        // IPv4 addresses in the low 32 bits
    bit<128>     ip_dst;
    bit<8>       ip_proto;
    bit<16>      l4_src_port;
    bit<16>      l4_dst_port;
    bit<8>       tcp_flags;
    bit<8>       icmp_type;
    bit<16>      l4_len;        // TCP/UDP length for the pseudo-header checksum

    bool         packet_out_done;
    bool         acl_permit;
    bool         arp_answered;
    bool         routable;      // the destination MAC is one of ours
    vip_id_t     vip_id;
    bit<8>       vip_mode;
    bit<1>       punt_non_syn;
    bool         vip_hit;
    bool         conn_hit;
    bool         select_backend;
    bit<8>       pool_version;  // the backend_select version this flow is balanced with
    bit<8>       previous_pool_version;
    bit<8>       transit_phase;
    bit<8>       transit_epoch; // the transit filter's cells that hold this value are set
    bool         to_backend;    // forward direction: rewrite the destination to the backend
    backend_id_t backend_id;
    bit<32>      seq_delta;
    bit<32>      ack_delta;
    bit<16>      nat_l4_port;
    bool         l4_rewritten;  // recompute the TCP/UDP checksum
    bit<2>       new_flow_color;
    bit<8>       punt_reason;
    bit<8>       drop_reason;
}

#endif
