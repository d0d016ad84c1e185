// offload.p4: the forwarder of the Offload load balancer (P4_16, v1model).
// Wiring only; each concern is one control under v1model/control/.
//   p4c --target bmv2 --arch v1model --p4runtime-files p4/offload.p4info.txtpb -o build/p4 p4/offload.p4
#include <core.p4>
#include <v1model.p4>

#include "shared/define.p4"
#include "shared/size.p4"
#include "shared/header.p4"
#include "v1model/parser.p4"
#include "v1model/control/checksum.p4"
#include "v1model/control/packetio.p4"
#include "v1model/control/acl.p4"
#include "v1model/control/arp.p4"
#include "v1model/control/station.p4"
#include "v1model/control/vips.p4"
#include "v1model/control/distribution.p4"
#include "v1model/control/connections.p4"
#include "v1model/control/new_flows.p4"
#include "v1model/control/pool_versions.p4"
#include "v1model/control/backends.p4"
#include "v1model/control/return_path.p4"
#include "v1model/control/routing.p4"
#include "v1model/control/bridging.p4"
#include "v1model/control/verdict.p4"

control OffloadIngress(inout headers_t hdr,
                       inout local_metadata_t meta,
                       inout standard_metadata_t standard_metadata) {
    PacketIoIngress() packet_io;
    Acl() acl;
    ArpResponder() arp;
    Station() station;
    Vips() vips;
    DistributionIngress() distribution;
    Connections() connections;
    NewFlows() new_flows;
    PoolVersions() pool_versions;
    Backends() backends;
    ReturnPath() return_path;
    Routing() routing;
    Bridging() bridging;
    Verdict() verdict;

    apply {
        if (hdr.packet_out.isValid()) {
            packet_io.apply(hdr, meta, standard_metadata);
        }
        if (!meta.packet_out_done) {
            if (standard_metadata.parser_error != error.NoError) {
                meta.drop_reason = DROP_PARSER_ERROR;
            } else if (standard_metadata.checksum_error == 1) {
                meta.drop_reason = DROP_BAD_CHECKSUM;
            } else if (hdr.ipv4.isValid() && hdr.ipv4.ihl != 5) {
                meta.drop_reason = DROP_IPV4_OPTIONS;
            } else {
                acl.apply(hdr, meta, standard_metadata);
            }
        }
        if (meta.acl_permit) {
            if (hdr.arp.isValid()) {
                arp.apply(hdr, meta, standard_metadata);
            }
            if (!meta.arp_answered) {
                station.apply(hdr, meta);
                if (meta.routable && (hdr.ipv4.isValid() || hdr.ipv6.isValid())) {
                    vips.apply(hdr, meta);
                    if (meta.vip_hit) {
                        distribution.apply(hdr, meta);
                        connections.apply(hdr, meta);
                        if (!meta.conn_hit) {
                            new_flows.apply(hdr, meta);
                            if (meta.select_backend) {
                                pool_versions.apply(hdr, meta);
                            }
                        }
                    } else {
                        return_path.apply(hdr, meta);
                    }
                    backends.apply(hdr, meta);
                    if (meta.drop_reason == DROP_NONE && meta.punt_reason == PUNT_NONE) {
                        routing.apply(hdr, meta, standard_metadata);
                    }
                } else {
                    bridging.apply(hdr, meta, standard_metadata);
                }
            }
        }
        verdict.apply(meta, standard_metadata);
    }
}

control OffloadEgress(inout headers_t hdr,
                      inout local_metadata_t meta,
                      inout standard_metadata_t standard_metadata) {
    @id(0x12000d01)
    counter(DROP_REASONS, CounterType.packets_and_bytes) egress_drop_counter;

    PacketIoEgress() packet_io;
    DistributionEgress() distribution;

    apply {
        if (standard_metadata.egress_port == CPU_PORT) {
            packet_io.apply(hdr, meta, standard_metadata);
        } else if (standard_metadata.instance_type == PKT_INSTANCE_TYPE_INGRESS_CLONE) {
            distribution.apply(hdr, meta, standard_metadata);
        } else if (standard_metadata.instance_type == PKT_INSTANCE_TYPE_REPLICATION
                   && standard_metadata.egress_port == standard_metadata.ingress_port) {
            egress_drop_counter.count((bit<32>)DROP_FLOOD_PRUNED);
            mark_to_drop(standard_metadata);
        }
    }
}

V1Switch(OffloadParser(),
         OffloadVerifyChecksum(),
         OffloadIngress(),
         OffloadEgress(),
         OffloadComputeChecksum(),
         OffloadDeparser()) main;
