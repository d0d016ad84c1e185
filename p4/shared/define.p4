// Types and constants shared by every control of offload.p4.
#ifndef OFFLOAD_DEFINE_P4
#define OFFLOAD_DEFINE_P4

typedef bit<48>  mac_addr_t;
typedef bit<32>  ipv4_addr_t;
typedef bit<128> ipv6_addr_t;
typedef bit<9>   port_t;
typedef bit<16>  vip_id_t;
typedef bit<16>  backend_id_t;

// The port BMv2 hands to the P4Runtime server (simple_switch_grpc --cpu-port 255).
const port_t CPU_PORT = 255;

const bit<16> ETHERTYPE_IPV4 = 0x0800;
const bit<16> ETHERTYPE_ARP  = 0x0806;
const bit<16> ETHERTYPE_VLAN = 0x8100;
const bit<16> ETHERTYPE_IPV6 = 0x86dd;

const bit<8> PROTO_ICMP   = 1;
const bit<8> PROTO_TCP    = 6;
const bit<8> PROTO_UDP    = 17;
const bit<8> PROTO_ICMPV6 = 58;

const bit<8> TCP_FLAG_FIN = 0x01;
const bit<8> TCP_FLAG_SYN = 0x02;
const bit<8> TCP_FLAG_RST = 0x04;

const bit<16> ARP_HTYPE_ETHERNET = 1;
const bit<16> ARP_OPER_REQUEST   = 1;
const bit<16> ARP_OPER_REPLY     = 2;

// set_vip(mode): who picks the backend of a new flow. Any other mode (the controller writes 2) is deliver-only:
// no pool, only the distribution replicas.
const bit<8> VIP_MODE_DATAPLANE_SELECT   = 0;  // the action selector, then a digest
const bit<8> VIP_MODE_CONTROLLER_CLASSIFY = 1; // packet-in, the controller plumbs the route

// A data-plane-select VIP's pool change, in SilkRoad's three steps (docs/dataplane.md, "Pool versions").
const bit<8> TRANSIT_STEADY    = 0;  // select from the current version
const bit<8> TRANSIT_RECORDING = 1;  // record every miss in the transit filter; the current version is still the old one
const bit<8> TRANSIT_DRAINING  = 2;  // recorded flows keep the previous version, the others take the current

// packet_out.mode: any other mode (the controller writes 1) runs the ingress pipeline as if received on CPU_PORT.
const bit<8> PACKET_OUT_TO_PORT  = 0;  // send on packet_out.egress_port, no table lookups

// packet_in.reason
const bit<8> PUNT_NONE         = 0;
const bit<8> PUNT_NEW_FLOW     = 1;  // connection miss on a controller-classified VIP
const bit<8> PUNT_NON_SYN_MISS = 2;  // a TCP segment without SYN and no connection entry
const bit<8> PUNT_ACL          = 3;  // an ACL rule said punt (NDP for VIPs is one)
const bit<8> PUNT_RETURN_MISS  = 4;  // from a backend endpoint shared by several VIPs, no reverse entry yet
const bit<8> PUNT_ARP_REPLY    = 5;  // an ARP reply to one of our interface addresses (the controller's port probes)

// drop_counter index: why a packet was dropped.
const bit<8> DROP_NONE            = 0;
const bit<8> DROP_PARSER_ERROR    = 1;
const bit<8> DROP_BAD_CHECKSUM    = 2;
const bit<8> DROP_IPV4_OPTIONS    = 3;
const bit<8> DROP_ACL             = 4;
const bit<8> DROP_CONNECTION      = 5;  // the firewall drop route of a connection
const bit<8> DROP_NEW_FLOW_RATE   = 6;  // new_flow_meter said red
const bit<8> DROP_NO_BACKEND      = 7;
const bit<8> DROP_DELIVER_ONLY    = 8;  // the original of a deliver-only VIP; its replicas went out
const bit<8> DROP_NULL_ROUTE      = 9;
const bit<8> DROP_NO_ROUTE        = 10;
const bit<8> DROP_TTL_EXPIRED     = 11;
const bit<8> DROP_L2_MISS         = 12;
const bit<8> DROP_PACKET_OUT_PORT = 13;
const bit<8> DROP_FLOOD_PRUNED    = 14; // egress: a flood copy back to its own ingress port
const bit<32> DROP_REASONS        = 16;
const bit<32> PUNT_REASONS        = 8;

// v1model constants BMv2 uses but v1model.p4 does not name.
const bit<32> PKT_INSTANCE_TYPE_INGRESS_CLONE = 1;
const bit<32> PKT_INSTANCE_TYPE_REPLICATION   = 5;
const bit<2>  METER_COLOR_RED = 2;

#endif
