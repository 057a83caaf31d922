// strace 6.1's xlat lists for netlink messages, attributes and values, as
// the decoder (strace_netlink_decoder.h) prints them.
#pragma once

#include <string_view>

#include "core/strace_names.h"

namespace socktrace::strace::netlink {

// ---- name tables (strace 6.1's xlat lists) -----------------------------------

inline constexpr Xlat kNlmsgTypes[] = {{1, "NLMSG_NOOP"}, {2, "NLMSG_ERROR"}, {3, "NLMSG_DONE"}, {4, "NLMSG_OVERRUN"}};

inline constexpr Xlat kNlmFlags[] = {{0x1, "NLM_F_REQUEST"}, {0x2, "NLM_F_MULTI"},      {0x4, "NLM_F_ACK"},
                              {0x8, "NLM_F_ECHO"},    {0x10, "NLM_F_DUMP_INTR"}, {0x20, "NLM_F_DUMP_FILTERED"}};
inline constexpr Xlat kNlmGetFlags[] = {
    {0x300, "NLM_F_DUMP"}, {0x100, "NLM_F_ROOT"}, {0x200, "NLM_F_MATCH"}, {0x400, "NLM_F_ATOMIC"}};
inline constexpr Xlat kNlmNewFlags[] = {
    {0x100, "NLM_F_REPLACE"}, {0x200, "NLM_F_EXCL"}, {0x400, "NLM_F_CREATE"}, {0x800, "NLM_F_APPEND"}};
inline constexpr Xlat kNlmDeleteFlags[] = {{0x100, "NLM_F_NONREC"}, {0x200, "NLM_F_BULK"}};
inline constexpr Xlat kNlmAckFlags[] = {{0x100, "NLM_F_CAPPED"}, {0x200, "NLM_F_ACK_TLVS"}};

inline constexpr Xlat kNlmsgErrAttrs[] = {{0, "NLMSGERR_ATTR_UNUSED"}, {1, "NLMSGERR_ATTR_MSG"},
                                   {2, "NLMSGERR_ATTR_OFFS"},   {3, "NLMSGERR_ATTR_COOKIE"},
                                   {4, "NLMSGERR_ATTR_POLICY"}};

inline constexpr Xlat kRtmTypes[] = {
    {16, "RTM_NEWLINK"},      {17, "RTM_DELLINK"},       {18, "RTM_GETLINK"},       {19, "RTM_SETLINK"},
    {20, "RTM_NEWADDR"},      {21, "RTM_DELADDR"},       {22, "RTM_GETADDR"},       {24, "RTM_NEWROUTE"},
    {25, "RTM_DELROUTE"},     {26, "RTM_GETROUTE"},      {28, "RTM_NEWNEIGH"},      {29, "RTM_DELNEIGH"},
    {30, "RTM_GETNEIGH"},     {32, "RTM_NEWRULE"},       {33, "RTM_DELRULE"},       {34, "RTM_GETRULE"},
    {36, "RTM_NEWQDISC"},     {37, "RTM_DELQDISC"},      {38, "RTM_GETQDISC"},      {40, "RTM_NEWTCLASS"},
    {41, "RTM_DELTCLASS"},    {42, "RTM_GETTCLASS"},     {44, "RTM_NEWTFILTER"},    {45, "RTM_DELTFILTER"},
    {46, "RTM_GETTFILTER"},   {48, "RTM_NEWACTION"},     {49, "RTM_DELACTION"},     {50, "RTM_GETACTION"},
    {52, "RTM_NEWPREFIX"},    {58, "RTM_GETMULTICAST"},  {62, "RTM_GETANYCAST"},    {64, "RTM_NEWNEIGHTBL"},
    {66, "RTM_GETNEIGHTBL"},  {67, "RTM_SETNEIGHTBL"},   {68, "RTM_NEWNDUSEROPT"},  {72, "RTM_NEWADDRLABEL"},
    {73, "RTM_DELADDRLABEL"}, {74, "RTM_GETADDRLABEL"},  {78, "RTM_GETDCB"},        {79, "RTM_SETDCB"},
    {80, "RTM_NEWNETCONF"},   {81, "RTM_DELNETCONF"},    {82, "RTM_GETNETCONF"},    {84, "RTM_NEWMDB"},
    {85, "RTM_DELMDB"},       {86, "RTM_GETMDB"},        {88, "RTM_NEWNSID"},       {89, "RTM_DELNSID"},
    {90, "RTM_GETNSID"},      {92, "RTM_NEWSTATS"},      {94, "RTM_GETSTATS"},      {95, "RTM_SETSTATS"},
    {96, "RTM_NEWCACHEREPORT"}, {100, "RTM_NEWCHAIN"},   {101, "RTM_DELCHAIN"},     {102, "RTM_GETCHAIN"},
    {104, "RTM_NEWNEXTHOP"},  {105, "RTM_DELNEXTHOP"},   {106, "RTM_GETNEXTHOP"},   {108, "RTM_NEWLINKPROP"},
    {109, "RTM_DELLINKPROP"}, {110, "RTM_GETLINKPROP"},  {112, "RTM_NEWVLAN"},      {113, "RTM_DELVLAN"},
    {114, "RTM_GETVLAN"},     {116, "RTM_NEWNEXTHOPBUCKET"}, {117, "RTM_DELNEXTHOPBUCKET"},
    {118, "RTM_GETNEXTHOPBUCKET"}, {120, "RTM_NEWTUNNEL"}, {121, "RTM_DELTUNNEL"},  {122, "RTM_GETTUNNEL"},
};
inline constexpr uint16_t kRtmDelAction = 49;

inline constexpr Xlat kSockDiagTypes[] = {
    {18, "TCPDIAG_GETSOCK"}, {19, "DCCPDIAG_GETSOCK"}, {20, "SOCK_DIAG_BY_FAMILY"}, {21, "SOCK_DESTROY"}};

inline constexpr Xlat kTcpStates[] = {
    {1, "TCP_ESTABLISHED"}, {2, "TCP_SYN_SENT"}, {3, "TCP_SYN_RECV"},   {4, "TCP_FIN_WAIT1"},
    {5, "TCP_FIN_WAIT2"},   {6, "TCP_TIME_WAIT"}, {7, "TCP_CLOSE"},     {8, "TCP_CLOSE_WAIT"},
    {9, "TCP_LAST_ACK"},    {10, "TCP_LISTEN"},  {11, "TCP_CLOSING"},   {12, "TCP_NEW_SYN_RECV"},
};
inline constexpr Xlat kTcpStateFlags[] = {
    {1u << 1, "1<<TCP_ESTABLISHED"}, {1u << 2, "1<<TCP_SYN_SENT"},  {1u << 3, "1<<TCP_SYN_RECV"},
    {1u << 4, "1<<TCP_FIN_WAIT1"},   {1u << 5, "1<<TCP_FIN_WAIT2"}, {1u << 6, "1<<TCP_TIME_WAIT"},
    {1u << 7, "1<<TCP_CLOSE"},       {1u << 8, "1<<TCP_CLOSE_WAIT"}, {1u << 9, "1<<TCP_LAST_ACK"},
    {1u << 10, "1<<TCP_LISTEN"},     {1u << 11, "1<<TCP_CLOSING"},  {1u << 12, "1<<TCP_NEW_SYN_RECV"},
};
inline constexpr Xlat kInetDiagExtFlags[] = {
    {1u << 0, "1<<(INET_DIAG_MEMINFO-1)"},   {1u << 1, "1<<(INET_DIAG_INFO-1)"},
    {1u << 2, "1<<(INET_DIAG_VEGASINFO-1)"}, {1u << 3, "1<<(INET_DIAG_CONG-1)"},
    {1u << 4, "1<<(INET_DIAG_TOS-1)"},       {1u << 5, "1<<(INET_DIAG_TCLASS-1)"},
    {1u << 6, "1<<(INET_DIAG_SKMEMINFO-1)"}, {1u << 7, "1<<(INET_DIAG_SHUTDOWN-1)"},
};
inline constexpr Xlat kInetDiagAttrs[] = {
    {0, "INET_DIAG_NONE"},       {1, "INET_DIAG_MEMINFO"},   {2, "INET_DIAG_INFO"},
    {3, "INET_DIAG_VEGASINFO"},  {4, "INET_DIAG_CONG"},      {5, "INET_DIAG_TOS"},
    {6, "INET_DIAG_TCLASS"},     {7, "INET_DIAG_SKMEMINFO"}, {8, "INET_DIAG_SHUTDOWN"},
    {9, "INET_DIAG_DCTCPINFO"},  {10, "INET_DIAG_PROTOCOL"}, {11, "INET_DIAG_SKV6ONLY"},
    {12, "INET_DIAG_LOCALS"},    {13, "INET_DIAG_PEERS"},    {14, "INET_DIAG_PAD"},
    {15, "INET_DIAG_MARK"},      {16, "INET_DIAG_BBRINFO"},  {17, "INET_DIAG_CLASS_ID"},
    {18, "INET_DIAG_MD5SIG"},    {19, "INET_DIAG_ULP_INFO"}, {20, "INET_DIAG_SK_BPF_STORAGES"},
    {21, "INET_DIAG_CGROUP_ID"}, {22, "INET_DIAG_SOCKOPT"},
};
inline constexpr Xlat kInetDiagReqAttrs[] = {{0, "INET_DIAG_REQ_NONE"},
                                      {1, "INET_DIAG_REQ_BYTECODE"},
                                      {2, "INET_DIAG_REQ_SK_BPF_STORAGES"},
                                      {3, "INET_DIAG_REQ_PROTOCOL"}};
inline constexpr Xlat kShutdownFlags[] = {{1, "RCV_SHUTDOWN"}, {2, "SEND_SHUTDOWN"}};
inline constexpr Xlat kSkMeminfo[] = {
    {0, "SK_MEMINFO_RMEM_ALLOC"}, {1, "SK_MEMINFO_RCVBUF"},      {2, "SK_MEMINFO_WMEM_ALLOC"},
    {3, "SK_MEMINFO_SNDBUF"},     {4, "SK_MEMINFO_FWD_ALLOC"},   {5, "SK_MEMINFO_WMEM_QUEUED"},
    {6, "SK_MEMINFO_OPTMEM"},     {7, "SK_MEMINFO_BACKLOG"},     {8, "SK_MEMINFO_DROPS"},
};

inline constexpr Xlat kUnixDiagShow[] = {{0x1, "UDIAG_SHOW_NAME"},  {0x2, "UDIAG_SHOW_VFS"},
                                  {0x4, "UDIAG_SHOW_PEER"},  {0x8, "UDIAG_SHOW_ICONS"},
                                  {0x10, "UDIAG_SHOW_RQLEN"}, {0x20, "UDIAG_SHOW_MEMINFO"},
                                  {0x40, "UDIAG_SHOW_UID"}};
inline constexpr Xlat kUnixDiagAttrs[] = {{0, "UNIX_DIAG_NAME"},  {1, "UNIX_DIAG_VFS"},     {2, "UNIX_DIAG_PEER"},
                                   {3, "UNIX_DIAG_ICONS"}, {4, "UNIX_DIAG_RQLEN"},   {5, "UNIX_DIAG_MEMINFO"},
                                   {6, "UNIX_DIAG_SHUTDOWN"}, {7, "UNIX_DIAG_UID"}};

inline constexpr Xlat kNetlinkDiagShow[] = {{0x1, "NDIAG_SHOW_MEMINFO"}, {0x2, "NDIAG_SHOW_GROUPS"},
                                     {0x4, "NDIAG_SHOW_RING_CFG"}, {0x8, "NDIAG_SHOW_FLAGS"}};
inline constexpr Xlat kNetlinkDiagAttrs[] = {{0, "NETLINK_DIAG_MEMINFO"}, {1, "NETLINK_DIAG_GROUPS"},
                                      {2, "NETLINK_DIAG_RX_RING"}, {3, "NETLINK_DIAG_TX_RING"},
                                      {4, "NETLINK_DIAG_FLAGS"}};
inline constexpr Xlat kNetlinkSocketFlags[] = {{0x1, "NDIAG_FLAG_CB_RUNNING"},   {0x2, "NDIAG_FLAG_PKTINFO"},
                                        {0x4, "NDIAG_FLAG_BROADCAST_ERROR"}, {0x8, "NDIAG_FLAG_NO_ENOBUFS"},
                                        {0x10, "NDIAG_FLAG_LISTEN_ALL_NSID"}, {0x20, "NDIAG_FLAG_CAP_ACK"}};
inline constexpr uint8_t kNdiagProtoAll = 255;

inline constexpr Xlat kArpHardwareTypes[] = {
    {0, "ARPHRD_NETROM"},       {1, "ARPHRD_ETHER"},         {2, "ARPHRD_EETHER"},
    {3, "ARPHRD_AX25"},         {4, "ARPHRD_PRONET"},        {5, "ARPHRD_CHAOS"},
    {6, "ARPHRD_IEEE802"},      {7, "ARPHRD_ARCNET"},        {8, "ARPHRD_APPLETLK"},
    {15, "ARPHRD_DLCI"},        {19, "ARPHRD_ATM"},          {23, "ARPHRD_METRICOM"},
    {24, "ARPHRD_IEEE1394"},    {27, "ARPHRD_EUI64"},        {32, "ARPHRD_INFINIBAND"},
    {256, "ARPHRD_SLIP"},       {257, "ARPHRD_CSLIP"},       {258, "ARPHRD_SLIP6"},
    {259, "ARPHRD_CSLIP6"},     {260, "ARPHRD_RSRVD"},       {264, "ARPHRD_ADAPT"},
    {270, "ARPHRD_ROSE"},       {271, "ARPHRD_X25"},         {272, "ARPHRD_HWX25"},
    {280, "ARPHRD_CAN"},        {290, "ARPHRD_MCTP"},        {512, "ARPHRD_PPP"},
    {513, "ARPHRD_CISCO"},      {516, "ARPHRD_LAPB"},        {517, "ARPHRD_DDCMP"},
    {518, "ARPHRD_RAWHDLC"},    {519, "ARPHRD_RAWIP"},       {768, "ARPHRD_TUNNEL"},
    {769, "ARPHRD_TUNNEL6"},    {770, "ARPHRD_FRAD"},        {771, "ARPHRD_SKIP"},
    {772, "ARPHRD_LOOPBACK"},   {773, "ARPHRD_LOCALTLK"},    {774, "ARPHRD_FDDI"},
    {775, "ARPHRD_BIF"},        {776, "ARPHRD_SIT"},         {777, "ARPHRD_IPDDP"},
    {778, "ARPHRD_IPGRE"},      {779, "ARPHRD_PIMREG"},      {780, "ARPHRD_HIPPI"},
    {781, "ARPHRD_ASH"},        {782, "ARPHRD_ECONET"},      {783, "ARPHRD_IRDA"},
    {784, "ARPHRD_FCPP"},       {785, "ARPHRD_FCAL"},        {786, "ARPHRD_FCPL"},
    {787, "ARPHRD_FCFABRIC"},   {800, "ARPHRD_IEEE802_TR"},  {801, "ARPHRD_IEEE80211"},
    {802, "ARPHRD_IEEE80211_PRISM"}, {803, "ARPHRD_IEEE80211_RADIOTAP"}, {804, "ARPHRD_IEEE802154"},
    {805, "ARPHRD_IEEE802154_MONITOR"}, {820, "ARPHRD_PHONET"}, {821, "ARPHRD_PHONET_PIPE"},
    {822, "ARPHRD_CAIF"},       {823, "ARPHRD_IP6GRE"},      {824, "ARPHRD_NETLINK"},
    {825, "ARPHRD_6LOWPAN"},    {826, "ARPHRD_VSOCKMON"},    {0xfffe, "ARPHRD_NONE"},
    {0xffff, "ARPHRD_VOID"},
};
inline constexpr Xlat kIffFlags[] = {
    {0x1, "IFF_UP"},          {0x2, "IFF_BROADCAST"},   {0x4, "IFF_DEBUG"},     {0x8, "IFF_LOOPBACK"},
    {0x10, "IFF_POINTOPOINT"}, {0x20, "IFF_NOTRAILERS"}, {0x40, "IFF_RUNNING"},  {0x80, "IFF_NOARP"},
    {0x100, "IFF_PROMISC"},   {0x200, "IFF_ALLMULTI"},  {0x400, "IFF_MASTER"},  {0x800, "IFF_SLAVE"},
    {0x1000, "IFF_MULTICAST"}, {0x2000, "IFF_PORTSEL"},  {0x4000, "IFF_AUTOMEDIA"}, {0x8000, "IFF_DYNAMIC"},
    {0x10000, "IFF_LOWER_UP"}, {0x20000, "IFF_DORMANT"}, {0x40000, "IFF_ECHO"},
};
inline constexpr Xlat kIflaAttrs[] = {
    {0, "IFLA_UNSPEC"},           {1, "IFLA_ADDRESS"},           {2, "IFLA_BROADCAST"},
    {3, "IFLA_IFNAME"},           {4, "IFLA_MTU"},               {5, "IFLA_LINK"},
    {6, "IFLA_QDISC"},            {7, "IFLA_STATS"},             {8, "IFLA_COST"},
    {9, "IFLA_PRIORITY"},         {10, "IFLA_MASTER"},           {11, "IFLA_WIRELESS"},
    {12, "IFLA_PROTINFO"},        {13, "IFLA_TXQLEN"},           {14, "IFLA_MAP"},
    {15, "IFLA_WEIGHT"},          {16, "IFLA_OPERSTATE"},        {17, "IFLA_LINKMODE"},
    {18, "IFLA_LINKINFO"},        {19, "IFLA_NET_NS_PID"},       {20, "IFLA_IFALIAS"},
    {21, "IFLA_NUM_VF"},          {22, "IFLA_VFINFO_LIST"},      {23, "IFLA_STATS64"},
    {24, "IFLA_VF_PORTS"},        {25, "IFLA_PORT_SELF"},        {26, "IFLA_AF_SPEC"},
    {27, "IFLA_GROUP"},           {28, "IFLA_NET_NS_FD"},        {29, "IFLA_EXT_MASK"},
    {30, "IFLA_PROMISCUITY"},     {31, "IFLA_NUM_TX_QUEUES"},    {32, "IFLA_NUM_RX_QUEUES"},
    {33, "IFLA_CARRIER"},         {34, "IFLA_PHYS_PORT_ID"},     {35, "IFLA_CARRIER_CHANGES"},
    {36, "IFLA_PHYS_SWITCH_ID"},  {37, "IFLA_LINK_NETNSID"},     {38, "IFLA_PHYS_PORT_NAME"},
    {39, "IFLA_PROTO_DOWN"},      {40, "IFLA_GSO_MAX_SEGS"},     {41, "IFLA_GSO_MAX_SIZE"},
    {42, "IFLA_PAD"},             {43, "IFLA_XDP"},              {44, "IFLA_EVENT"},
    {45, "IFLA_NEW_NETNSID"},     {46, "IFLA_TARGET_NETNSID"},   {47, "IFLA_CARRIER_UP_COUNT"},
    {48, "IFLA_CARRIER_DOWN_COUNT"}, {49, "IFLA_NEW_IFINDEX"},   {50, "IFLA_MIN_MTU"},
    {51, "IFLA_MAX_MTU"},         {52, "IFLA_PROP_LIST"},        {53, "IFLA_ALT_IFNAME"},
    {54, "IFLA_PERM_ADDRESS"},    {55, "IFLA_PROTO_DOWN_REASON"}, {56, "IFLA_PARENT_DEV_NAME"},
    {57, "IFLA_PARENT_DEV_BUS_NAME"}, {58, "IFLA_GRO_MAX_SIZE"}, {59, "IFLA_TSO_MAX_SIZE"},
    {60, "IFLA_TSO_MAX_SEGS"},    {61, "IFLA_ALLMULTI"},
};
inline constexpr Xlat kRtextFilter[] = {{0x1, "RTEXT_FILTER_VF"},       {0x2, "RTEXT_FILTER_BRVLAN"},
                                 {0x4, "RTEXT_FILTER_BRVLAN_COMPRESSED"}, {0x8, "RTEXT_FILTER_SKIP_STATS"},
                                 {0x10, "RTEXT_FILTER_MRP"},     {0x20, "RTEXT_FILTER_CFM_CONFIG"},
                                 {0x40, "RTEXT_FILTER_CFM_STATUS"}, {0x80, "RTEXT_FILTER_MST"}};
inline constexpr std::string_view kLinkStats[] = {
    "rx_packets",        "tx_packets",       "rx_bytes",         "tx_bytes",
    "rx_errors",         "tx_errors",        "rx_dropped",       "tx_dropped",
    "multicast",         "collisions",       "rx_length_errors", "rx_over_errors",
    "rx_crc_errors",     "rx_frame_errors",  "rx_fifo_errors",   "rx_missed_errors",
    "tx_aborted_errors", "tx_carrier_errors", "tx_fifo_errors",  "tx_heartbeat_errors",
    "tx_window_errors",  "rx_compressed",    "tx_compressed",    "rx_nohandler",
    "rx_otherhost_dropped",
};

inline constexpr Xlat kIfaFlags[] = {
    {0x1, "IFA_F_SECONDARY"},  {0x2, "IFA_F_NODAD"},        {0x4, "IFA_F_OPTIMISTIC"},
    {0x8, "IFA_F_DADFAILED"},  {0x10, "IFA_F_HOMEADDRESS"}, {0x20, "IFA_F_DEPRECATED"},
    {0x40, "IFA_F_TENTATIVE"}, {0x80, "IFA_F_PERMANENT"},   {0x100, "IFA_F_MANAGETEMPADDR"},
    {0x200, "IFA_F_NOPREFIXROUTE"}, {0x400, "IFA_F_MCAUTOJOIN"}, {0x800, "IFA_F_STABLE_PRIVACY"},
};
inline constexpr Xlat kRtScopes[] = {{0, "RT_SCOPE_UNIVERSE"}, {200, "RT_SCOPE_SITE"}, {253, "RT_SCOPE_LINK"},
                              {254, "RT_SCOPE_HOST"},   {255, "RT_SCOPE_NOWHERE"}};
inline constexpr Xlat kIfaAttrs[] = {
    {0, "IFA_UNSPEC"},   {1, "IFA_ADDRESS"},    {2, "IFA_LOCAL"},        {3, "IFA_LABEL"},
    {4, "IFA_BROADCAST"}, {5, "IFA_ANYCAST"},   {6, "IFA_CACHEINFO"},    {7, "IFA_MULTICAST"},
    {8, "IFA_FLAGS"},    {9, "IFA_RT_PRIORITY"}, {10, "IFA_TARGET_NETNSID"}, {11, "IFA_PROTO"},
};
inline constexpr Xlat kIfaProtocols[] = {{0, "IFAPROT_UNSPEC"}, {1, "IFAPROT_KERNEL_LO"}, {2, "IFAPROT_KERNEL_RA"},
                                  {3, "IFAPROT_KERNEL_LL"}};

inline constexpr Xlat kRtTables[] = {{0, "RT_TABLE_UNSPEC"}, {252, "RT_TABLE_COMPAT"}, {253, "RT_TABLE_DEFAULT"},
                              {254, "RT_TABLE_MAIN"},   {255, "RT_TABLE_LOCAL"}};
inline constexpr Xlat kRtProtocols[] = {
    {0, "RTPROT_UNSPEC"},  {1, "RTPROT_REDIRECT"}, {2, "RTPROT_KERNEL"},   {3, "RTPROT_BOOT"},
    {4, "RTPROT_STATIC"},  {8, "RTPROT_GATED"},    {9, "RTPROT_RA"},       {10, "RTPROT_MRT"},
    {11, "RTPROT_ZEBRA"},  {12, "RTPROT_BIRD"},    {13, "RTPROT_DNROUTED"}, {14, "RTPROT_XORP"},
    {15, "RTPROT_NTK"},    {16, "RTPROT_DHCP"},    {17, "RTPROT_MROUTED"}, {18, "RTPROT_KEEPALIVED"},
    {42, "RTPROT_BABEL"},  {99, "RTPROT_OPENR"},   {186, "RTPROT_BGP"},    {187, "RTPROT_ISIS"},
    {188, "RTPROT_OSPF"},  {189, "RTPROT_RIP"},    {192, "RTPROT_EIGRP"},
};
inline constexpr Xlat kRtnTypes[] = {
    {0, "RTN_UNSPEC"},    {1, "RTN_UNICAST"},     {2, "RTN_LOCAL"},     {3, "RTN_BROADCAST"},
    {4, "RTN_ANYCAST"},   {5, "RTN_MULTICAST"},   {6, "RTN_BLACKHOLE"}, {7, "RTN_UNREACHABLE"},
    {8, "RTN_PROHIBIT"},  {9, "RTN_THROW"},       {10, "RTN_NAT"},      {11, "RTN_XRESOLVE"},
};
inline constexpr Xlat kRtmFlags[] = {
    {0x100, "RTM_F_NOTIFY"},       {0x200, "RTM_F_CLONED"},     {0x400, "RTM_F_EQUALIZE"},
    {0x800, "RTM_F_PREFIX"},       {0x1000, "RTM_F_LOOKUP_TABLE"}, {0x2000, "RTM_F_FIB_MATCH"},
    {0x4000, "RTM_F_OFFLOAD"},     {0x8000, "RTM_F_TRAP"},      {0x20000000, "RTM_F_OFFLOAD_FAILED"},
};
inline constexpr Xlat kIpTos[] = {{0x10, "IPTOS_LOWDELAY"}, {0x08, "IPTOS_THROUGHPUT"}, {0x04, "IPTOS_RELIABILITY"},
                           {0x02, "IPTOS_MINCOST"}};
inline constexpr Xlat kRtaAttrs[] = {
    {0, "RTA_UNSPEC"},   {1, "RTA_DST"},        {2, "RTA_SRC"},        {3, "RTA_IIF"},
    {4, "RTA_OIF"},      {5, "RTA_GATEWAY"},    {6, "RTA_PRIORITY"},   {7, "RTA_PREFSRC"},
    {8, "RTA_METRICS"},  {9, "RTA_MULTIPATH"},  {10, "RTA_PROTOINFO"}, {11, "RTA_FLOW"},
    {12, "RTA_CACHEINFO"}, {13, "RTA_SESSION"}, {14, "RTA_MP_ALGO"},   {15, "RTA_TABLE"},
    {16, "RTA_MARK"},    {17, "RTA_MFC_STATS"}, {18, "RTA_VIA"},       {19, "RTA_NEWDST"},
    {20, "RTA_PREF"},    {21, "RTA_ENCAP_TYPE"}, {22, "RTA_ENCAP"},    {23, "RTA_EXPIRES"},
    {24, "RTA_PAD"},     {25, "RTA_UID"},       {26, "RTA_TTL_PROPAGATE"}, {27, "RTA_IP_PROTO"},
    {28, "RTA_SPORT"},   {29, "RTA_DPORT"},     {30, "RTA_NH_ID"},
};
inline constexpr Xlat kRtaxAttrs[] = {
    {0, "RTAX_UNSPEC"},   {1, "RTAX_LOCK"},      {2, "RTAX_MTU"},         {3, "RTAX_WINDOW"},
    {4, "RTAX_RTT"},      {5, "RTAX_RTTVAR"},    {6, "RTAX_SSTHRESH"},    {7, "RTAX_CWND"},
    {8, "RTAX_ADVMSS"},   {9, "RTAX_REORDERING"}, {10, "RTAX_HOPLIMIT"},  {11, "RTAX_INITCWND"},
    {12, "RTAX_FEATURES"}, {13, "RTAX_RTO_MIN"}, {14, "RTAX_INITRWND"},   {15, "RTAX_QUICKACK"},
    {16, "RTAX_CC_ALGO"}, {17, "RTAX_FASTOPEN_NO_COOKIE"},
};

inline constexpr Xlat kIflaInfoAttrs[] = {{0, "IFLA_INFO_UNSPEC"},     {1, "IFLA_INFO_KIND"},
                                   {2, "IFLA_INFO_DATA"},       {3, "IFLA_INFO_XSTATS"},
                                   {4, "IFLA_INFO_SLAVE_KIND"}, {5, "IFLA_INFO_SLAVE_DATA"}};
inline constexpr std::string_view kInetDevconf[] = {
    "IPV4_DEVCONF_FORWARDING-1",
    "IPV4_DEVCONF_MC_FORWARDING-1",
    "IPV4_DEVCONF_PROXY_ARP-1",
    "IPV4_DEVCONF_ACCEPT_REDIRECTS-1",
    "IPV4_DEVCONF_SECURE_REDIRECTS-1",
    "IPV4_DEVCONF_SEND_REDIRECTS-1",
    "IPV4_DEVCONF_SHARED_MEDIA-1",
    "IPV4_DEVCONF_RP_FILTER-1",
    "IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE-1",
    "IPV4_DEVCONF_BOOTP_RELAY-1",
    "IPV4_DEVCONF_LOG_MARTIANS-1",
    "IPV4_DEVCONF_TAG-1",
    "IPV4_DEVCONF_ARPFILTER-1",
    "IPV4_DEVCONF_MEDIUM_ID-1",
    "IPV4_DEVCONF_NOXFRM-1",
    "IPV4_DEVCONF_NOPOLICY-1",
    "IPV4_DEVCONF_FORCE_IGMP_VERSION-1",
    "IPV4_DEVCONF_ARP_ANNOUNCE-1",
    "IPV4_DEVCONF_ARP_IGNORE-1",
    "IPV4_DEVCONF_PROMOTE_SECONDARIES-1",
    "IPV4_DEVCONF_ARP_ACCEPT-1",
    "IPV4_DEVCONF_ARP_NOTIFY-1",
    "IPV4_DEVCONF_ACCEPT_LOCAL-1",
    "IPV4_DEVCONF_SRC_VMARK-1",
    "IPV4_DEVCONF_PROXY_ARP_PVLAN-1",
    "IPV4_DEVCONF_ROUTE_LOCALNET-1",
    "IPV4_DEVCONF_IGMPV2_UNSOLICITED_REPORT_INTERVAL-1",
    "IPV4_DEVCONF_IGMPV3_UNSOLICITED_REPORT_INTERVAL-1",
    "IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN-1",
    "IPV4_DEVCONF_DROP_UNICAST_IN_L2_MULTICAST-1",
    "IPV4_DEVCONF_DROP_GRATUITOUS_ARP-1",
    "IPV4_DEVCONF_BC_FORWARDING-1",
    "IPV4_DEVCONF_ARP_EVICT_NOCARRIER-1",
};
inline constexpr std::string_view kInet6Devconf[] = {
    "DEVCONF_FORWARDING",
    "DEVCONF_HOPLIMIT",
    "DEVCONF_MTU6",
    "DEVCONF_ACCEPT_RA",
    "DEVCONF_ACCEPT_REDIRECTS",
    "DEVCONF_AUTOCONF",
    "DEVCONF_DAD_TRANSMITS",
    "DEVCONF_RTR_SOLICITS",
    "DEVCONF_RTR_SOLICIT_INTERVAL",
    "DEVCONF_RTR_SOLICIT_DELAY",
    "DEVCONF_USE_TEMPADDR",
    "DEVCONF_TEMP_VALID_LFT",
    "DEVCONF_TEMP_PREFERED_LFT",
    "DEVCONF_REGEN_MAX_RETRY",
    "DEVCONF_MAX_DESYNC_FACTOR",
    "DEVCONF_MAX_ADDRESSES",
    "DEVCONF_FORCE_MLD_VERSION",
    "DEVCONF_ACCEPT_RA_DEFRTR",
    "DEVCONF_ACCEPT_RA_PINFO",
    "DEVCONF_ACCEPT_RA_RTR_PREF",
    "DEVCONF_RTR_PROBE_INTERVAL",
    "DEVCONF_ACCEPT_RA_RT_INFO_MAX_PLEN",
    "DEVCONF_PROXY_NDP",
    "DEVCONF_OPTIMISTIC_DAD",
    "DEVCONF_ACCEPT_SOURCE_ROUTE",
    "DEVCONF_MC_FORWARDING",
    "DEVCONF_DISABLE_IPV6",
    "DEVCONF_ACCEPT_DAD",
    "DEVCONF_FORCE_TLLAO",
    "DEVCONF_NDISC_NOTIFY",
    "DEVCONF_MLDV1_UNSOLICITED_REPORT_INTERVAL",
    "DEVCONF_MLDV2_UNSOLICITED_REPORT_INTERVAL",
    "DEVCONF_SUPPRESS_FRAG_NDISC",
    "DEVCONF_ACCEPT_RA_FROM_LOCAL",
    "DEVCONF_USE_OPTIMISTIC",
    "DEVCONF_ACCEPT_RA_MTU",
    "DEVCONF_STABLE_SECRET",
    "DEVCONF_USE_OIF_ADDRS_ONLY",
    "DEVCONF_ACCEPT_RA_MIN_HOP_LIMIT",
    "DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN",
    "DEVCONF_DROP_UNICAST_IN_L2_MULTICAST",
    "DEVCONF_DROP_UNSOLICITED_NA",
    "DEVCONF_KEEP_ADDR_ON_DOWN",
    "DEVCONF_RTR_SOLICIT_MAX_INTERVAL",
    "DEVCONF_SEG6_ENABLED",
    "DEVCONF_SEG6_REQUIRE_HMAC",
    "DEVCONF_ENHANCED_DAD",
    "DEVCONF_ADDR_GEN_MODE",
    "DEVCONF_DISABLE_POLICY",
    "DEVCONF_ACCEPT_RA_RT_INFO_MIN_PLEN",
    "DEVCONF_NDISC_TCLASS",
    "DEVCONF_RPL_SEG_ENABLED",
    "DEVCONF_RA_DEFRTR_METRIC",
    "DEVCONF_IOAM6_ENABLED",
    "DEVCONF_IOAM6_ID",
    "DEVCONF_IOAM6_ID_WIDE",
    "DEVCONF_NDISC_EVICT_NOCARRIER",
    "DEVCONF_ACCEPT_UNTRACKED_NA",
};
inline constexpr std::string_view kIpstatsMib[] = {
    "IPSTATS_MIB_NUM",
    "IPSTATS_MIB_INPKTS",
    "IPSTATS_MIB_INOCTETS",
    "IPSTATS_MIB_INDELIVERS",
    "IPSTATS_MIB_OUTFORWDATAGRAMS",
    "IPSTATS_MIB_OUTPKTS",
    "IPSTATS_MIB_OUTOCTETS",
    "IPSTATS_MIB_INHDRERRORS",
    "IPSTATS_MIB_INTOOBIGERRORS",
    "IPSTATS_MIB_INNOROUTES",
    "IPSTATS_MIB_INADDRERRORS",
    "IPSTATS_MIB_INUNKNOWNPROTOS",
    "IPSTATS_MIB_INTRUNCATEDPKTS",
    "IPSTATS_MIB_INDISCARDS",
    "IPSTATS_MIB_OUTDISCARDS",
    "IPSTATS_MIB_OUTNOROUTES",
    "IPSTATS_MIB_REASMTIMEOUT",
    "IPSTATS_MIB_REASMREQDS",
    "IPSTATS_MIB_REASMOKS",
    "IPSTATS_MIB_REASMFAILS",
    "IPSTATS_MIB_FRAGOKS",
    "IPSTATS_MIB_FRAGFAILS",
    "IPSTATS_MIB_FRAGCREATES",
    "IPSTATS_MIB_INMCASTPKTS",
    "IPSTATS_MIB_OUTMCASTPKTS",
    "IPSTATS_MIB_INBCASTPKTS",
    "IPSTATS_MIB_OUTBCASTPKTS",
    "IPSTATS_MIB_INMCASTOCTETS",
    "IPSTATS_MIB_OUTMCASTOCTETS",
    "IPSTATS_MIB_INBCASTOCTETS",
    "IPSTATS_MIB_OUTBCASTOCTETS",
    "IPSTATS_MIB_CSUMERRORS",
    "IPSTATS_MIB_NOECTPKTS",
    "IPSTATS_MIB_ECT1PKTS",
    "IPSTATS_MIB_ECT0PKTS",
    "IPSTATS_MIB_CEPKTS",
    "IPSTATS_MIB_REASM_OVERLAPS",
};
inline constexpr std::string_view kIcmp6Mib[] = {
    "ICMP6_MIB_NUM",
    "ICMP6_MIB_INMSGS",
    "ICMP6_MIB_INERRORS",
    "ICMP6_MIB_OUTMSGS",
    "ICMP6_MIB_OUTERRORS",
    "ICMP6_MIB_CSUMERRORS",
};
// IFLA_AF_SPEC's per-family attributes; the index names of the
// configuration and statistics arrays are strace 6.1's (which names index 0
// of IFLA_INET6_STATS IPSTATS_MIB_NUM).
inline constexpr Xlat kIflaInetAttrs[] = {{0, "IFLA_INET_UNSPEC"}, {1, "IFLA_INET_CONF"}};
inline constexpr Xlat kIflaInet6Attrs[] = {{0, "IFLA_INET6_UNSPEC"},    {1, "IFLA_INET6_FLAGS"},
                                    {2, "IFLA_INET6_CONF"},      {3, "IFLA_INET6_STATS"},
                                    {4, "IFLA_INET6_MCAST"},     {5, "IFLA_INET6_CACHEINFO"},
                                    {6, "IFLA_INET6_ICMP6STATS"}, {7, "IFLA_INET6_TOKEN"},
                                    {8, "IFLA_INET6_ADDR_GEN_MODE"}, {9, "IFLA_INET6_RA_MTU"}};
inline constexpr Xlat kInet6IfFlags[] = {{0x10, "IF_RS_SENT"},
                                  {0x20, "IF_RA_RCVD"},
                                  {0x40, "IF_RA_MANAGED"},
                                  {0x80, "IF_RA_OTHERCONF"},
                                  {0x80000000, "IF_READY"}};
inline constexpr Xlat kIn6AddrGenModes[] = {{0, "IN6_ADDR_GEN_MODE_EUI64"},
                                     {1, "IN6_ADDR_GEN_MODE_NONE"},
                                     {2, "IN6_ADDR_GEN_MODE_STABLE_PRIVACY"},
                                     {3, "IN6_ADDR_GEN_MODE_RANDOM"}};
inline constexpr Xlat kIflaXdpAttrs[] = {{0, "IFLA_XDP_UNSPEC"},      {1, "IFLA_XDP_FD"},         {2, "IFLA_XDP_ATTACHED"},
                                  {3, "IFLA_XDP_FLAGS"},       {4, "IFLA_XDP_PROG_ID"},    {5, "IFLA_XDP_DRV_PROG_ID"},
                                  {6, "IFLA_XDP_SKB_PROG_ID"}, {7, "IFLA_XDP_HW_PROG_ID"}, {8, "IFLA_XDP_EXPECTED_FD"}};
inline constexpr Xlat kXdpAttached[] = {{0, "XDP_ATTACHED_NONE"}, {1, "XDP_ATTACHED_DRV"}, {2, "XDP_ATTACHED_SKB"},
                                 {3, "XDP_ATTACHED_HW"},   {4, "XDP_ATTACHED_MULTI"}};
inline constexpr Xlat kXdpFlags[] = {{0xe, "XDP_FLAGS_MODES"}, {1, "XDP_FLAGS_UPDATE_IF_NOEXIST"}, {2, "XDP_FLAGS_SKB_MODE"}, {4, "XDP_FLAGS_DRV_MODE"},
                              {8, "XDP_FLAGS_HW_MODE"},           {16, "XDP_FLAGS_REPLACE"}};
inline constexpr Xlat kLwtunnelEncapTypes[] = {{0, "LWTUNNEL_ENCAP_NONE"}, {1, "LWTUNNEL_ENCAP_MPLS"},
                                       {2, "LWTUNNEL_ENCAP_IP"},   {3, "LWTUNNEL_ENCAP_ILA"},
                                       {4, "LWTUNNEL_ENCAP_IP6"},  {5, "LWTUNNEL_ENCAP_SEG6"},
                                       {6, "LWTUNNEL_ENCAP_BPF"},  {7, "LWTUNNEL_ENCAP_SEG6_LOCAL"},
                                       {8, "LWTUNNEL_ENCAP_RPL"}};
inline constexpr Xlat kIflaTunAttrs[] = {{0, "IFLA_TUN_UNSPEC"},      {1, "IFLA_TUN_OWNER"},
                                  {2, "IFLA_TUN_GROUP"},       {3, "IFLA_TUN_TYPE"},
                                  {4, "IFLA_TUN_PI"},          {5, "IFLA_TUN_VNET_HDR"},
                                  {6, "IFLA_TUN_PERSIST"},     {7, "IFLA_TUN_MULTI_QUEUE"},
                                  {8, "IFLA_TUN_NUM_QUEUES"},  {9, "IFLA_TUN_NUM_DISABLED_QUEUES"}};
inline constexpr Xlat kTunTypes[] = {{1, "IFF_TUN"}, {2, "IFF_TAP"}};
inline constexpr Xlat kIflaEvents[] = {{0, "IFLA_EVENT_NONE"},         {1, "IFLA_EVENT_REBOOT"},
                                {2, "IFLA_EVENT_FEATURES"},     {3, "IFLA_EVENT_BONDING_FAILOVER"},
                                {4, "IFLA_EVENT_NOTIFY_PEERS"}, {5, "IFLA_EVENT_IGMP_RESEND"},
                                {6, "IFLA_EVENT_BONDING_OPTIONS"}};
inline constexpr Xlat kIflaProtoDownReasonAttrs[] = {{0, "IFLA_PROTO_DOWN_REASON_UNSPEC"},
                                              {1, "IFLA_PROTO_DOWN_REASON_MASK"},
                                              {2, "IFLA_PROTO_DOWN_REASON_VALUE"}};
inline constexpr Xlat kRtnhFlags[] = {{0x1, "RTNH_F_DEAD"},     {0x2, "RTNH_F_PERVASIVE"}, {0x4, "RTNH_F_ONLINK"},
                               {0x8, "RTNH_F_OFFLOAD"},  {0x10, "RTNH_F_LINKDOWN"}, {0x20, "RTNH_F_UNRESOLVED"},
                               {0x40, "RTNH_F_TRAP"}};
inline constexpr Xlat kNudStates[] = {
    {0, "NUD_NONE"},      {0x1, "NUD_INCOMPLETE"}, {0x2, "NUD_REACHABLE"}, {0x4, "NUD_STALE"},
    {0x8, "NUD_DELAY"},   {0x10, "NUD_PROBE"},     {0x20, "NUD_FAILED"},   {0x40, "NUD_NOARP"},
    {0x80, "NUD_PERMANENT"},
};
inline constexpr Xlat kNtfFlags[] = {{0x1, "NTF_USE"},   {0x2, "NTF_SELF"},        {0x4, "NTF_MASTER"},
                              {0x8, "NTF_PROXY"}, {0x10, "NTF_EXT_LEARNED"}, {0x20, "NTF_OFFLOADED"},
                              {0x40, "NTF_STICKY"}, {0x80, "NTF_ROUTER"}};
inline constexpr Xlat kNdaAttrs[] = {
    {0, "NDA_UNSPEC"},   {1, "NDA_DST"},     {2, "NDA_LLADDR"},      {3, "NDA_CACHEINFO"},
    {4, "NDA_PROBES"},   {5, "NDA_VLAN"},    {6, "NDA_PORT"},        {7, "NDA_VNI"},
    {8, "NDA_IFINDEX"},  {9, "NDA_MASTER"},  {10, "NDA_LINK_NETNSID"}, {11, "NDA_SRC_VNI"},
    {12, "NDA_PROTOCOL"}, {13, "NDA_NH_ID"}, {14, "NDA_FDB_EXT_ATTRS"}, {15, "NDA_FLAGS_EXT"},
};

}  // namespace socktrace::strace::netlink
