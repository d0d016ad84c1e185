// ACL: ternary, range and optional matches with priorities; permit, drop or punt, every rule counted.
#ifndef OFFLOAD_ACL_P4
#define OFFLOAD_ACL_P4

control Acl(inout headers_t hdr,
            inout local_metadata_t meta,
            in standard_metadata_t standard_metadata) {
    @id(0x13000101)
    direct_counter(CounterType.packets_and_bytes) acl_counter;

    @id(0x01000101)
    action permit_acl() {
        meta.acl_permit = true;
    }

    @id(0x01000102)
    action drop_acl() {
        meta.acl_permit = false;
        meta.drop_reason = DROP_ACL;
    }

    @id(0x01000103)
    action punt_acl() {
        meta.acl_permit = false;
        meta.punt_reason = PUNT_ACL;
    }

    @id(0x02000101)
    table acl {
        key = {
            standard_metadata.ingress_port : optional @name("ingress_port");
            meta.eth_type                  : ternary  @name("eth_type");
            meta.ip_src                    : ternary  @name("ip_src");
            meta.ip_dst                    : ternary  @name("ip_dst");
            meta.ip_proto                  : ternary  @name("ip_proto");
            meta.l4_src_port               : ternary  @name("l4_src_port");
            meta.l4_dst_port               : range    @name("l4_dst_port");
            meta.icmp_type                 : ternary  @name("icmp_type");
        }
        actions = {
            permit_acl;
            drop_acl;
            punt_acl;
        }
        default_action = permit_acl();
        counters = acl_counter;
        size = ACL_TABLE_SIZE;
    }

    apply {
        acl.apply();
    }
}

#endif
