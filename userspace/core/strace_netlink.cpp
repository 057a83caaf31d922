#include "core/strace_netlink.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <type_traits>
#include <iterator>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "core/errno_names.h"
#include "core/strace_names.h"
#include "core/strace_print.h"

namespace socktrace::strace {

namespace {

// Message and attribute layouts (linux/netlink.h, rtnetlink.h, *_diag.h):
// the sizes and offsets strace's decoders read, x86-64.
constexpr uint64_t kNlmsgHdrLen = 16;
constexpr uint64_t kNlaHdrLen = 4;
constexpr uint16_t kNlmsgError = 2, kNlmsgDone = 3, kNlmsgMinType = 0x10;
constexpr uint16_t kNlmFRequest = 0x1, kNlmFCapped = 0x100;
constexpr int kNetlinkRoute = 0, kNetlinkSockDiag = 4;

constexpr uint64_t align4(uint64_t n) { return (n + 3) & ~uint64_t{3}; }

// ---- name tables (strace 6.1's xlat lists) -----------------------------------

constexpr Xlat kNlmsgTypes[] = {{1, "NLMSG_NOOP"}, {2, "NLMSG_ERROR"}, {3, "NLMSG_DONE"}, {4, "NLMSG_OVERRUN"}};

constexpr Xlat kNlmFlags[] = {{0x1, "NLM_F_REQUEST"}, {0x2, "NLM_F_MULTI"},      {0x4, "NLM_F_ACK"},
                              {0x8, "NLM_F_ECHO"},    {0x10, "NLM_F_DUMP_INTR"}, {0x20, "NLM_F_DUMP_FILTERED"}};
constexpr Xlat kNlmGetFlags[] = {
    {0x300, "NLM_F_DUMP"}, {0x100, "NLM_F_ROOT"}, {0x200, "NLM_F_MATCH"}, {0x400, "NLM_F_ATOMIC"}};
constexpr Xlat kNlmNewFlags[] = {
    {0x100, "NLM_F_REPLACE"}, {0x200, "NLM_F_EXCL"}, {0x400, "NLM_F_CREATE"}, {0x800, "NLM_F_APPEND"}};
constexpr Xlat kNlmDeleteFlags[] = {{0x100, "NLM_F_NONREC"}, {0x200, "NLM_F_BULK"}};
constexpr Xlat kNlmAckFlags[] = {{0x100, "NLM_F_CAPPED"}, {0x200, "NLM_F_ACK_TLVS"}};

constexpr Xlat kNlmsgErrAttrs[] = {{0, "NLMSGERR_ATTR_UNUSED"}, {1, "NLMSGERR_ATTR_MSG"},
                                   {2, "NLMSGERR_ATTR_OFFS"},   {3, "NLMSGERR_ATTR_COOKIE"},
                                   {4, "NLMSGERR_ATTR_POLICY"}};

constexpr Xlat kRtmTypes[] = {
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
constexpr uint16_t kRtmDelAction = 49;

constexpr Xlat kSockDiagTypes[] = {
    {18, "TCPDIAG_GETSOCK"}, {19, "DCCPDIAG_GETSOCK"}, {20, "SOCK_DIAG_BY_FAMILY"}, {21, "SOCK_DESTROY"}};

constexpr Xlat kTcpStates[] = {
    {1, "TCP_ESTABLISHED"}, {2, "TCP_SYN_SENT"}, {3, "TCP_SYN_RECV"},   {4, "TCP_FIN_WAIT1"},
    {5, "TCP_FIN_WAIT2"},   {6, "TCP_TIME_WAIT"}, {7, "TCP_CLOSE"},     {8, "TCP_CLOSE_WAIT"},
    {9, "TCP_LAST_ACK"},    {10, "TCP_LISTEN"},  {11, "TCP_CLOSING"},   {12, "TCP_NEW_SYN_RECV"},
};
constexpr Xlat kTcpStateFlags[] = {
    {1u << 1, "1<<TCP_ESTABLISHED"}, {1u << 2, "1<<TCP_SYN_SENT"},  {1u << 3, "1<<TCP_SYN_RECV"},
    {1u << 4, "1<<TCP_FIN_WAIT1"},   {1u << 5, "1<<TCP_FIN_WAIT2"}, {1u << 6, "1<<TCP_TIME_WAIT"},
    {1u << 7, "1<<TCP_CLOSE"},       {1u << 8, "1<<TCP_CLOSE_WAIT"}, {1u << 9, "1<<TCP_LAST_ACK"},
    {1u << 10, "1<<TCP_LISTEN"},     {1u << 11, "1<<TCP_CLOSING"},  {1u << 12, "1<<TCP_NEW_SYN_RECV"},
};
constexpr Xlat kInetDiagExtFlags[] = {
    {1u << 0, "1<<(INET_DIAG_MEMINFO-1)"},   {1u << 1, "1<<(INET_DIAG_INFO-1)"},
    {1u << 2, "1<<(INET_DIAG_VEGASINFO-1)"}, {1u << 3, "1<<(INET_DIAG_CONG-1)"},
    {1u << 4, "1<<(INET_DIAG_TOS-1)"},       {1u << 5, "1<<(INET_DIAG_TCLASS-1)"},
    {1u << 6, "1<<(INET_DIAG_SKMEMINFO-1)"}, {1u << 7, "1<<(INET_DIAG_SHUTDOWN-1)"},
};
constexpr Xlat kInetDiagAttrs[] = {
    {0, "INET_DIAG_NONE"},       {1, "INET_DIAG_MEMINFO"},   {2, "INET_DIAG_INFO"},
    {3, "INET_DIAG_VEGASINFO"},  {4, "INET_DIAG_CONG"},      {5, "INET_DIAG_TOS"},
    {6, "INET_DIAG_TCLASS"},     {7, "INET_DIAG_SKMEMINFO"}, {8, "INET_DIAG_SHUTDOWN"},
    {9, "INET_DIAG_DCTCPINFO"},  {10, "INET_DIAG_PROTOCOL"}, {11, "INET_DIAG_SKV6ONLY"},
    {12, "INET_DIAG_LOCALS"},    {13, "INET_DIAG_PEERS"},    {14, "INET_DIAG_PAD"},
    {15, "INET_DIAG_MARK"},      {16, "INET_DIAG_BBRINFO"},  {17, "INET_DIAG_CLASS_ID"},
    {18, "INET_DIAG_MD5SIG"},    {19, "INET_DIAG_ULP_INFO"}, {20, "INET_DIAG_SK_BPF_STORAGES"},
    {21, "INET_DIAG_CGROUP_ID"}, {22, "INET_DIAG_SOCKOPT"},
};
constexpr Xlat kInetDiagReqAttrs[] = {{0, "INET_DIAG_REQ_NONE"},
                                      {1, "INET_DIAG_REQ_BYTECODE"},
                                      {2, "INET_DIAG_REQ_SK_BPF_STORAGES"},
                                      {3, "INET_DIAG_REQ_PROTOCOL"}};
constexpr Xlat kShutdownFlags[] = {{1, "RCV_SHUTDOWN"}, {2, "SEND_SHUTDOWN"}};
constexpr Xlat kSkMeminfo[] = {
    {0, "SK_MEMINFO_RMEM_ALLOC"}, {1, "SK_MEMINFO_RCVBUF"},      {2, "SK_MEMINFO_WMEM_ALLOC"},
    {3, "SK_MEMINFO_SNDBUF"},     {4, "SK_MEMINFO_FWD_ALLOC"},   {5, "SK_MEMINFO_WMEM_QUEUED"},
    {6, "SK_MEMINFO_OPTMEM"},     {7, "SK_MEMINFO_BACKLOG"},     {8, "SK_MEMINFO_DROPS"},
};

constexpr Xlat kUnixDiagShow[] = {{0x1, "UDIAG_SHOW_NAME"},  {0x2, "UDIAG_SHOW_VFS"},
                                  {0x4, "UDIAG_SHOW_PEER"},  {0x8, "UDIAG_SHOW_ICONS"},
                                  {0x10, "UDIAG_SHOW_RQLEN"}, {0x20, "UDIAG_SHOW_MEMINFO"},
                                  {0x40, "UDIAG_SHOW_UID"}};
constexpr Xlat kUnixDiagAttrs[] = {{0, "UNIX_DIAG_NAME"},  {1, "UNIX_DIAG_VFS"},     {2, "UNIX_DIAG_PEER"},
                                   {3, "UNIX_DIAG_ICONS"}, {4, "UNIX_DIAG_RQLEN"},   {5, "UNIX_DIAG_MEMINFO"},
                                   {6, "UNIX_DIAG_SHUTDOWN"}, {7, "UNIX_DIAG_UID"}};

constexpr Xlat kNetlinkDiagShow[] = {{0x1, "NDIAG_SHOW_MEMINFO"}, {0x2, "NDIAG_SHOW_GROUPS"},
                                     {0x4, "NDIAG_SHOW_RING_CFG"}, {0x8, "NDIAG_SHOW_FLAGS"}};
constexpr Xlat kNetlinkDiagAttrs[] = {{0, "NETLINK_DIAG_MEMINFO"}, {1, "NETLINK_DIAG_GROUPS"},
                                      {2, "NETLINK_DIAG_RX_RING"}, {3, "NETLINK_DIAG_TX_RING"},
                                      {4, "NETLINK_DIAG_FLAGS"}};
constexpr Xlat kNetlinkSocketFlags[] = {{0x1, "NDIAG_FLAG_CB_RUNNING"},   {0x2, "NDIAG_FLAG_PKTINFO"},
                                        {0x4, "NDIAG_FLAG_BROADCAST_ERROR"}, {0x8, "NDIAG_FLAG_NO_ENOBUFS"},
                                        {0x10, "NDIAG_FLAG_LISTEN_ALL_NSID"}, {0x20, "NDIAG_FLAG_CAP_ACK"}};
constexpr uint8_t kNdiagProtoAll = 255;

constexpr Xlat kArpHardwareTypes[] = {
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
constexpr Xlat kIffFlags[] = {
    {0x1, "IFF_UP"},          {0x2, "IFF_BROADCAST"},   {0x4, "IFF_DEBUG"},     {0x8, "IFF_LOOPBACK"},
    {0x10, "IFF_POINTOPOINT"}, {0x20, "IFF_NOTRAILERS"}, {0x40, "IFF_RUNNING"},  {0x80, "IFF_NOARP"},
    {0x100, "IFF_PROMISC"},   {0x200, "IFF_ALLMULTI"},  {0x400, "IFF_MASTER"},  {0x800, "IFF_SLAVE"},
    {0x1000, "IFF_MULTICAST"}, {0x2000, "IFF_PORTSEL"},  {0x4000, "IFF_AUTOMEDIA"}, {0x8000, "IFF_DYNAMIC"},
    {0x10000, "IFF_LOWER_UP"}, {0x20000, "IFF_DORMANT"}, {0x40000, "IFF_ECHO"},
};
constexpr Xlat kIflaAttrs[] = {
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
constexpr Xlat kRtextFilter[] = {{0x1, "RTEXT_FILTER_VF"},       {0x2, "RTEXT_FILTER_BRVLAN"},
                                 {0x4, "RTEXT_FILTER_BRVLAN_COMPRESSED"}, {0x8, "RTEXT_FILTER_SKIP_STATS"},
                                 {0x10, "RTEXT_FILTER_MRP"},     {0x20, "RTEXT_FILTER_CFM_CONFIG"},
                                 {0x40, "RTEXT_FILTER_CFM_STATUS"}, {0x80, "RTEXT_FILTER_MST"}};
constexpr std::string_view kLinkStats[] = {
    "rx_packets",        "tx_packets",       "rx_bytes",         "tx_bytes",
    "rx_errors",         "tx_errors",        "rx_dropped",       "tx_dropped",
    "multicast",         "collisions",       "rx_length_errors", "rx_over_errors",
    "rx_crc_errors",     "rx_frame_errors",  "rx_fifo_errors",   "rx_missed_errors",
    "tx_aborted_errors", "tx_carrier_errors", "tx_fifo_errors",  "tx_heartbeat_errors",
    "tx_window_errors",  "rx_compressed",    "tx_compressed",    "rx_nohandler",
    "rx_otherhost_dropped",
};

constexpr Xlat kIfaFlags[] = {
    {0x1, "IFA_F_SECONDARY"},  {0x2, "IFA_F_NODAD"},        {0x4, "IFA_F_OPTIMISTIC"},
    {0x8, "IFA_F_DADFAILED"},  {0x10, "IFA_F_HOMEADDRESS"}, {0x20, "IFA_F_DEPRECATED"},
    {0x40, "IFA_F_TENTATIVE"}, {0x80, "IFA_F_PERMANENT"},   {0x100, "IFA_F_MANAGETEMPADDR"},
    {0x200, "IFA_F_NOPREFIXROUTE"}, {0x400, "IFA_F_MCAUTOJOIN"}, {0x800, "IFA_F_STABLE_PRIVACY"},
};
constexpr Xlat kRtScopes[] = {{0, "RT_SCOPE_UNIVERSE"}, {200, "RT_SCOPE_SITE"}, {253, "RT_SCOPE_LINK"},
                              {254, "RT_SCOPE_HOST"},   {255, "RT_SCOPE_NOWHERE"}};
constexpr Xlat kIfaAttrs[] = {
    {0, "IFA_UNSPEC"},   {1, "IFA_ADDRESS"},    {2, "IFA_LOCAL"},        {3, "IFA_LABEL"},
    {4, "IFA_BROADCAST"}, {5, "IFA_ANYCAST"},   {6, "IFA_CACHEINFO"},    {7, "IFA_MULTICAST"},
    {8, "IFA_FLAGS"},    {9, "IFA_RT_PRIORITY"}, {10, "IFA_TARGET_NETNSID"}, {11, "IFA_PROTO"},
};
constexpr Xlat kIfaProtocols[] = {{0, "IFAPROT_UNSPEC"}, {1, "IFAPROT_KERNEL_LO"}, {2, "IFAPROT_KERNEL_RA"},
                                  {3, "IFAPROT_KERNEL_LL"}};

constexpr Xlat kRtTables[] = {{0, "RT_TABLE_UNSPEC"}, {252, "RT_TABLE_COMPAT"}, {253, "RT_TABLE_DEFAULT"},
                              {254, "RT_TABLE_MAIN"},   {255, "RT_TABLE_LOCAL"}};
constexpr Xlat kRtProtocols[] = {
    {0, "RTPROT_UNSPEC"},  {1, "RTPROT_REDIRECT"}, {2, "RTPROT_KERNEL"},   {3, "RTPROT_BOOT"},
    {4, "RTPROT_STATIC"},  {8, "RTPROT_GATED"},    {9, "RTPROT_RA"},       {10, "RTPROT_MRT"},
    {11, "RTPROT_ZEBRA"},  {12, "RTPROT_BIRD"},    {13, "RTPROT_DNROUTED"}, {14, "RTPROT_XORP"},
    {15, "RTPROT_NTK"},    {16, "RTPROT_DHCP"},    {17, "RTPROT_MROUTED"}, {18, "RTPROT_KEEPALIVED"},
    {42, "RTPROT_BABEL"},  {99, "RTPROT_OPENR"},   {186, "RTPROT_BGP"},    {187, "RTPROT_ISIS"},
    {188, "RTPROT_OSPF"},  {189, "RTPROT_RIP"},    {192, "RTPROT_EIGRP"},
};
constexpr Xlat kRtnTypes[] = {
    {0, "RTN_UNSPEC"},    {1, "RTN_UNICAST"},     {2, "RTN_LOCAL"},     {3, "RTN_BROADCAST"},
    {4, "RTN_ANYCAST"},   {5, "RTN_MULTICAST"},   {6, "RTN_BLACKHOLE"}, {7, "RTN_UNREACHABLE"},
    {8, "RTN_PROHIBIT"},  {9, "RTN_THROW"},       {10, "RTN_NAT"},      {11, "RTN_XRESOLVE"},
};
constexpr Xlat kRtmFlags[] = {
    {0x100, "RTM_F_NOTIFY"},       {0x200, "RTM_F_CLONED"},     {0x400, "RTM_F_EQUALIZE"},
    {0x800, "RTM_F_PREFIX"},       {0x1000, "RTM_F_LOOKUP_TABLE"}, {0x2000, "RTM_F_FIB_MATCH"},
    {0x4000, "RTM_F_OFFLOAD"},     {0x8000, "RTM_F_TRAP"},      {0x20000000, "RTM_F_OFFLOAD_FAILED"},
};
constexpr Xlat kIpTos[] = {{0x10, "IPTOS_LOWDELAY"}, {0x08, "IPTOS_THROUGHPUT"}, {0x04, "IPTOS_RELIABILITY"},
                           {0x02, "IPTOS_MINCOST"}};
constexpr Xlat kRtaAttrs[] = {
    {0, "RTA_UNSPEC"},   {1, "RTA_DST"},        {2, "RTA_SRC"},        {3, "RTA_IIF"},
    {4, "RTA_OIF"},      {5, "RTA_GATEWAY"},    {6, "RTA_PRIORITY"},   {7, "RTA_PREFSRC"},
    {8, "RTA_METRICS"},  {9, "RTA_MULTIPATH"},  {10, "RTA_PROTOINFO"}, {11, "RTA_FLOW"},
    {12, "RTA_CACHEINFO"}, {13, "RTA_SESSION"}, {14, "RTA_MP_ALGO"},   {15, "RTA_TABLE"},
    {16, "RTA_MARK"},    {17, "RTA_MFC_STATS"}, {18, "RTA_VIA"},       {19, "RTA_NEWDST"},
    {20, "RTA_PREF"},    {21, "RTA_ENCAP_TYPE"}, {22, "RTA_ENCAP"},    {23, "RTA_EXPIRES"},
    {24, "RTA_PAD"},     {25, "RTA_UID"},       {26, "RTA_TTL_PROPAGATE"}, {27, "RTA_IP_PROTO"},
    {28, "RTA_SPORT"},   {29, "RTA_DPORT"},     {30, "RTA_NH_ID"},
};
constexpr Xlat kRtaxAttrs[] = {
    {0, "RTAX_UNSPEC"},   {1, "RTAX_LOCK"},      {2, "RTAX_MTU"},         {3, "RTAX_WINDOW"},
    {4, "RTAX_RTT"},      {5, "RTAX_RTTVAR"},    {6, "RTAX_SSTHRESH"},    {7, "RTAX_CWND"},
    {8, "RTAX_ADVMSS"},   {9, "RTAX_REORDERING"}, {10, "RTAX_HOPLIMIT"},  {11, "RTAX_INITCWND"},
    {12, "RTAX_FEATURES"}, {13, "RTAX_RTO_MIN"}, {14, "RTAX_INITRWND"},   {15, "RTAX_QUICKACK"},
    {16, "RTAX_CC_ALGO"}, {17, "RTAX_FASTOPEN_NO_COOKIE"},
};

constexpr Xlat kIflaInfoAttrs[] = {{0, "IFLA_INFO_UNSPEC"},     {1, "IFLA_INFO_KIND"},
                                   {2, "IFLA_INFO_DATA"},       {3, "IFLA_INFO_XSTATS"},
                                   {4, "IFLA_INFO_SLAVE_KIND"}, {5, "IFLA_INFO_SLAVE_DATA"}};
constexpr std::string_view kInetDevconf[] = {
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
constexpr std::string_view kInet6Devconf[] = {
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
constexpr std::string_view kIpstatsMib[] = {
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
constexpr std::string_view kIcmp6Mib[] = {
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
constexpr Xlat kIflaInetAttrs[] = {{0, "IFLA_INET_UNSPEC"}, {1, "IFLA_INET_CONF"}};
constexpr Xlat kIflaInet6Attrs[] = {{0, "IFLA_INET6_UNSPEC"},    {1, "IFLA_INET6_FLAGS"},
                                    {2, "IFLA_INET6_CONF"},      {3, "IFLA_INET6_STATS"},
                                    {4, "IFLA_INET6_MCAST"},     {5, "IFLA_INET6_CACHEINFO"},
                                    {6, "IFLA_INET6_ICMP6STATS"}, {7, "IFLA_INET6_TOKEN"},
                                    {8, "IFLA_INET6_ADDR_GEN_MODE"}, {9, "IFLA_INET6_RA_MTU"}};
constexpr Xlat kInet6IfFlags[] = {{0x10, "IF_RS_SENT"},
                                  {0x20, "IF_RA_RCVD"},
                                  {0x40, "IF_RA_MANAGED"},
                                  {0x80, "IF_RA_OTHERCONF"},
                                  {0x80000000, "IF_READY"}};
constexpr Xlat kIn6AddrGenModes[] = {{0, "IN6_ADDR_GEN_MODE_EUI64"},
                                     {1, "IN6_ADDR_GEN_MODE_NONE"},
                                     {2, "IN6_ADDR_GEN_MODE_STABLE_PRIVACY"},
                                     {3, "IN6_ADDR_GEN_MODE_RANDOM"}};
constexpr Xlat kIflaXdpAttrs[] = {{0, "IFLA_XDP_UNSPEC"},      {1, "IFLA_XDP_FD"},         {2, "IFLA_XDP_ATTACHED"},
                                  {3, "IFLA_XDP_FLAGS"},       {4, "IFLA_XDP_PROG_ID"},    {5, "IFLA_XDP_DRV_PROG_ID"},
                                  {6, "IFLA_XDP_SKB_PROG_ID"}, {7, "IFLA_XDP_HW_PROG_ID"}, {8, "IFLA_XDP_EXPECTED_FD"}};
constexpr Xlat kXdpAttached[] = {{0, "XDP_ATTACHED_NONE"}, {1, "XDP_ATTACHED_DRV"}, {2, "XDP_ATTACHED_SKB"},
                                 {3, "XDP_ATTACHED_HW"},   {4, "XDP_ATTACHED_MULTI"}};
constexpr Xlat kXdpFlags[] = {{0xe, "XDP_FLAGS_MODES"}, {1, "XDP_FLAGS_UPDATE_IF_NOEXIST"}, {2, "XDP_FLAGS_SKB_MODE"}, {4, "XDP_FLAGS_DRV_MODE"},
                              {8, "XDP_FLAGS_HW_MODE"},           {16, "XDP_FLAGS_REPLACE"}};
constexpr Xlat kLwtunnelEncapTypes[] = {{0, "LWTUNNEL_ENCAP_NONE"}, {1, "LWTUNNEL_ENCAP_MPLS"},
                                       {2, "LWTUNNEL_ENCAP_IP"},   {3, "LWTUNNEL_ENCAP_ILA"},
                                       {4, "LWTUNNEL_ENCAP_IP6"},  {5, "LWTUNNEL_ENCAP_SEG6"},
                                       {6, "LWTUNNEL_ENCAP_BPF"},  {7, "LWTUNNEL_ENCAP_SEG6_LOCAL"},
                                       {8, "LWTUNNEL_ENCAP_RPL"}};
constexpr Xlat kIflaTunAttrs[] = {{0, "IFLA_TUN_UNSPEC"},      {1, "IFLA_TUN_OWNER"},
                                  {2, "IFLA_TUN_GROUP"},       {3, "IFLA_TUN_TYPE"},
                                  {4, "IFLA_TUN_PI"},          {5, "IFLA_TUN_VNET_HDR"},
                                  {6, "IFLA_TUN_PERSIST"},     {7, "IFLA_TUN_MULTI_QUEUE"},
                                  {8, "IFLA_TUN_NUM_QUEUES"},  {9, "IFLA_TUN_NUM_DISABLED_QUEUES"}};
constexpr Xlat kTunTypes[] = {{1, "IFF_TUN"}, {2, "IFF_TAP"}};
constexpr Xlat kIflaEvents[] = {{0, "IFLA_EVENT_NONE"},         {1, "IFLA_EVENT_REBOOT"},
                                {2, "IFLA_EVENT_FEATURES"},     {3, "IFLA_EVENT_BONDING_FAILOVER"},
                                {4, "IFLA_EVENT_NOTIFY_PEERS"}, {5, "IFLA_EVENT_IGMP_RESEND"},
                                {6, "IFLA_EVENT_BONDING_OPTIONS"}};
constexpr Xlat kIflaProtoDownReasonAttrs[] = {{0, "IFLA_PROTO_DOWN_REASON_UNSPEC"},
                                              {1, "IFLA_PROTO_DOWN_REASON_MASK"},
                                              {2, "IFLA_PROTO_DOWN_REASON_VALUE"}};
constexpr Xlat kRtnhFlags[] = {{0x1, "RTNH_F_DEAD"},     {0x2, "RTNH_F_PERVASIVE"}, {0x4, "RTNH_F_ONLINK"},
                               {0x8, "RTNH_F_OFFLOAD"},  {0x10, "RTNH_F_LINKDOWN"}, {0x20, "RTNH_F_UNRESOLVED"},
                               {0x40, "RTNH_F_TRAP"}};
constexpr Xlat kNudStates[] = {
    {0, "NUD_NONE"},      {0x1, "NUD_INCOMPLETE"}, {0x2, "NUD_REACHABLE"}, {0x4, "NUD_STALE"},
    {0x8, "NUD_DELAY"},   {0x10, "NUD_PROBE"},     {0x20, "NUD_FAILED"},   {0x40, "NUD_NOARP"},
    {0x80, "NUD_PERMANENT"},
};
constexpr Xlat kNtfFlags[] = {{0x1, "NTF_USE"},   {0x2, "NTF_SELF"},        {0x4, "NTF_MASTER"},
                              {0x8, "NTF_PROXY"}, {0x10, "NTF_EXT_LEARNED"}, {0x20, "NTF_OFFLOADED"},
                              {0x40, "NTF_STICKY"}, {0x80, "NTF_ROUTER"}};
constexpr Xlat kNdaAttrs[] = {
    {0, "NDA_UNSPEC"},   {1, "NDA_DST"},     {2, "NDA_LLADDR"},      {3, "NDA_CACHEINFO"},
    {4, "NDA_PROBES"},   {5, "NDA_VLAN"},    {6, "NDA_PORT"},        {7, "NDA_VNI"},
    {8, "NDA_IFINDEX"},  {9, "NDA_MASTER"},  {10, "NDA_LINK_NETNSID"}, {11, "NDA_SRC_VNI"},
    {12, "NDA_PROTOCOL"}, {13, "NDA_NH_ID"}, {14, "NDA_FDB_EXT_ATTRS"}, {15, "NDA_FLAGS_EXT"},
};

// printxval() with no default: the number alone.
void put_xval_nodflt(std::string& o, std::span<const Xlat> table, uint64_t v) {
  std::string_view n = xlookup(table, v);
  if (!n.empty())
    o += n;
  else
    put_hex(o, v);
}

// printflags_ex() over two tables, as strace decodes nlmsg_flags.
void put_flags2(std::string& o, std::span<const Xlat> a, std::span<const Xlat> b, uint64_t v,
                std::string_view dflt) {
  if (v == 0) {
    o += '0';
    return;
  }
  bool any = false;
  for (auto table : {a, b})
    for (const Xlat& x : table)
      if (x.val && (v & x.val) == x.val) {
        if (any) o += '|';
        o += x.name;
        any = true;
        v &= ~uint64_t{x.val};
      }
  if (any) {
    if (v) {
      o += '|';
      put_hex(o, v);
    }
    return;
  }
  put_hex(o, v);
  o += " /* ";
  o += dflt;
  o += " */";
}

// printflags() of a table with a name for zero (NUD_NONE).
void put_flags_zero(std::string& o, std::span<const Xlat> table, uint64_t v, std::string_view dflt) {
  if (v == 0) {
    std::string_view n = xlookup(table, 0);
    if (!n.empty()) {
      o += n;
      return;
    }
  }
  put_flags(o, table, v, dflt);
}

class Decoder {
 public:
  Decoder(std::string& o, std::span<const std::byte> d, int protocol, uint64_t limit)
      : o_(o), d_(d), protocol_(protocol), limit_(limit) {}

  // decode_netlink()
  void messages(uint64_t off, uint64_t len) {
    bool is_array = false;
    for (uint64_t elt = 0;; ++elt) {
      if (!fetch_header(off, len, is_array)) break;
      if (elt == limit_) {
        o_ += "...";
        break;
      }
      uint32_t nlmsg_len = u32(off);
      uint64_t aligned = align4(nlmsg_len);
      uint64_t next_len = 0;
      if (nlmsg_len >= kNlmsgHdrLen) next_len = len >= aligned ? len - aligned : 0;
      if (!is_array && next_len) {
        o_ += '[';
        is_array = true;
      }
      message(off, len);
      if (!next_len) break;
      o_ += ", ";
      off += aligned;
      len = next_len;
    }
    if (is_array) o_ += ']';
  }

 private:
  bool have(uint64_t off, uint64_t n) const { return off <= d_.size() && n <= d_.size() - off; }
  template <class T>
  T get(uint64_t off) const {
    return load<T>(d_, off);
  }
  uint8_t u8(uint64_t off) const { return get<uint8_t>(off); }
  uint16_t u16(uint64_t off) const { return get<uint16_t>(off); }
  uint32_t u32(uint64_t off) const { return get<uint32_t>(off); }
  // What the kernel side did not capture: strace would have read it.
  void cut() { o_ += "..."; }

  // fetch_nlmsghdr()
  bool fetch_header(uint64_t off, uint64_t len, bool in_array) {
    (void)in_array;
    if (len < kNlmsgHdrLen) {
      hex(off, len);
      return false;
    }
    if (!have(off, kNlmsgHdrLen)) {
      cut();
      return false;
    }
    return true;
  }

  // printstr_ex(..., QUOTE_FORCE_HEX)
  void hex(uint64_t off, uint64_t len) {
    uint64_t n = std::min(len, limit_);
    if (!have(off, n)) return cut();
    quote(o_, d_.data() + off, n, kQuoteForceHex);
    if (len > limit_) o_ += "...";
  }

  // decode_nla_str(): QUOTE_OMIT_TRAILING_0 | QUOTE_EXPECT_TRAILING_0.
  void str(uint64_t off, uint64_t len) {
    uint64_t n = std::min(len, limit_);
    if (!have(off, n)) return cut();
    if (n > 0 && d_[off + n - 1] == std::byte{0}) {
      quote(o_, d_.data() + off, n - 1);
      return;
    }
    quote(o_, d_.data() + off, n);
    if (len) o_ += "...";
  }

  // decode_nla_u8/u16/u32/u64/s32: false when the attribute is shorter.
  template <class T>
  bool num(uint64_t off, uint64_t len) {
    if (len < sizeof(T)) return false;
    if (!have(off, sizeof(T))) {
      cut();
      return true;
    }
    T v = get<T>(off);
    if constexpr (std::is_signed_v<T>)
      put_d(o_, v);
    else
      put_u(o_, v);
    return true;
  }

  bool ifindex(uint64_t off, uint64_t len) {
    if (len < 4) return false;
    if (!have(off, 4)) {
      cut();
      return true;
    }
    put_ifindex(o_, u32(off));
    return true;
  }

  // decode_nla_xval()/decode_nla_flags() of a `size`-byte value.
  bool xval(uint64_t off, uint64_t len, uint64_t size, std::span<const Xlat> table, std::string_view dflt,
            bool flags) {
    if (len > 8 || len < size) return false;
    uint64_t n = size ? std::min(len, size) : len;
    if (!have(off, n)) {
      cut();
      return true;
    }
    uint64_t v = 0;
    std::memcpy(&v, d_.data() + off, n);
    if (flags)
      put_flags(o_, table, v, dflt);
    else if (dflt.empty())
      put_xval_nodflt(o_, table, v);
    else
      put_xval(o_, table, v, dflt);
    return true;
  }

  // decode_inet_addr(..., var_name): an IPv6 address names the field
  // inside inet_pton(), anything else before it.
  void inet_addr(uint64_t off, uint64_t len, int family, std::string_view name = {}) {
    uint64_t size = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
    auto field = [&] {
      if (name.empty()) return;
      o_ += name;
      o_ += '=';
    };
    if (!size || len < size) {
      field();
      return hex(off, len);
    }
    if (!have(off, size)) {
      field();
      return cut();
    }
    if (family == AF_INET) {
      field();
      put_inet_addr(o_, d_.data() + off);
    } else {
      char buf[INET6_ADDRSTRLEN];
      inet_ntop(AF_INET6, d_.data() + off, buf, sizeof buf);
      o_ += "inet_pton(AF_INET6, \"";
      o_ += buf;
      o_ += '"';
      if (!name.empty()) {
        o_ += ", &";
        o_ += name;
      }
      o_ += ')';
    }
  }

  // PRINT_FIELD_INET_ADDR: a 16-byte address field of a diag message.
  void inet_addr_field(uint64_t off, std::string_view name, int family) {
    char buf[INET6_ADDRSTRLEN];
    if (family == AF_INET) {
      o_ += name;
      o_ += '=';
      put_inet_addr(o_, d_.data() + off);
    } else if (family == AF_INET6) {
      inet_ntop(AF_INET6, d_.data() + off, buf, sizeof buf);
      fmt::format_to(std::back_inserter(o_), "inet_pton(AF_INET6, \"{}\", &{})", buf, name);
    } else {
      o_ += name;
      o_ += '=';
      quote(o_, d_.data() + off, 16, kQuoteForceHex);
    }
  }

  // decode_nla_hwaddr(): 00:11:22:33:44:55
  bool hwaddr(uint64_t off, uint64_t len) {
    if (len > 32) return false;
    if (!have(off, len)) {
      cut();
      return true;
    }
    for (uint64_t i = 0; i < len; ++i) {
      if (i) o_ += ':';
      fmt::format_to(std::back_inserter(o_), "{:02x}", u8(off + i));
    }
    return true;
  }

  // decode_nla_uid() / decode_nla_gid(): the id, -1 for the unset one.
  bool uid(uint64_t off, uint64_t len) {
    if (len < 4) return false;
    if (!have(off, 4)) {
      cut();
      return true;
    }
    uint32_t id = u32(off);
    if (id == UINT32_MAX)
      o_ += "-1";
    else
      put_u(o_, id);
    return true;
  }

  // decode_nla_meminfo(): [[SK_MEMINFO_RMEM_ALLOC] = 0, ...]
  bool meminfo(uint64_t off, uint64_t len) {
    uint64_t n = len / 4;
    if (!n) return false;
    o_ += '[';
    for (uint64_t i = 0; i < n; ++i) {
      if (i) o_ += ", ";
      if (i == limit_) {
        o_ += "...";
        break;
      }
      if (!have(off + i * 4, 4)) {
        cut();
        break;
      }
      o_ += '[';
      put_xval(o_, kSkMeminfo, i, "SK_MEMINFO_???");
      o_ += "] = ";
      put_u(o_, u32(off + i * 4));
    }
    o_ += ']';
    return true;
  }

  // A structure of `names.size()` fields of T, all of them needed.
  template <class T>
  bool fields(uint64_t off, uint64_t len, std::initializer_list<std::string_view> names) {
    if (len < names.size() * sizeof(T)) return false;
    if (!have(off, names.size() * sizeof(T))) {
      cut();
      return true;
    }
    o_ += '{';
    std::size_t i = 0;
    for (std::string_view n : names) {
      if (i) o_ += ", ";
      o_ += n;
      o_ += '=';
      put_u(o_, get<T>(off + i * sizeof(T)));
      ++i;
    }
    o_ += '}';
    return true;
  }

  void cookie(uint64_t off, std::string_view name) {
    fmt::format_to(std::back_inserter(o_), "{}=[{}, {}]", name, u32(off), u32(off + 4));
  }

  // decode_nlattr(): the attribute array at off; `decode(type, off, len)`
  // prints a value and returns true, or false for the raw bytes.
  template <class F>
  void attrs(uint64_t off, uint64_t len, std::span<const Xlat> table, std::string_view dflt, F&& decode) {
    bool is_array = false;
    for (uint64_t elt = 0;; ++elt) {
      if (len < kNlaHdrLen) {
        hex(off, len);
        break;
      }
      if (!have(off, kNlaHdrLen)) {
        cut();
        break;
      }
      if (elt == limit_) {
        o_ += "...";
        break;
      }
      uint16_t nla_len = u16(off), nla_type = u16(off + 2);
      uint64_t aligned = align4(nla_len);
      uint64_t next_len = 0;
      if (nla_len >= kNlaHdrLen) next_len = len >= aligned ? len - aligned : 0;
      if (!is_array && next_len) {
        o_ += '[';
        is_array = true;
      }
      uint64_t l = std::min<uint64_t>(nla_len, len);
      if (l > kNlaHdrLen) o_ += '[';
      o_ += "{nla_len=";
      put_u(o_, nla_len);
      o_ += ", nla_type=";
      if (nla_type & 0x8000) o_ += "NLA_F_NESTED|";
      if (nla_type & 0x4000) o_ += "NLA_F_NET_BYTEORDER|";
      put_xval(o_, table, nla_type & 0x3fff, dflt);
      o_ += '}';
      if (l > kNlaHdrLen) {
        o_ += ", ";
        if (!decode(static_cast<uint16_t>(nla_type & 0x3fff), off + kNlaHdrLen, l - kNlaHdrLen))
          hex(off + kNlaHdrLen, l - kNlaHdrLen);
        o_ += ']';
      }
      if (!next_len) break;
      o_ += ", ";
      off += aligned;
      len = next_len;
    }
    if (is_array) o_ += ']';
  }

  void header(uint64_t off) {
    uint16_t type = u16(off + 4), flags = u16(off + 6);
    o_ += "{nlmsg_len=";
    put_u(o_, u32(off));
    o_ += ", nlmsg_type=";
    if (type >= kNlmsgMinType && protocol_ == kNetlinkRoute)
      put_xval(o_, kRtmTypes, type, "RTM_???");
    else if (type >= kNlmsgMinType && protocol_ == kNetlinkSockDiag)
      put_xval(o_, kSockDiagTypes, type, "SOCK_DIAG_???");
    else
      put_xval(o_, kNlmsgTypes, type, "NLMSG_???");
    o_ += ", nlmsg_flags=";
    std::span<const Xlat> extra;
    if (type < kNlmsgMinType) {
      if (type == kNlmsgError) extra = kNlmAckFlags;
    } else if (protocol_ == kNetlinkRoute) {
      if (type == kRtmDelAction)
        extra = kNlmGetFlags;
      else if ((type & 3) == 0)
        extra = kNlmNewFlags;
      else if ((type & 3) == 1)
        extra = kNlmDeleteFlags;
      else if ((type & 3) == 2)
        extra = kNlmGetFlags;
    } else if (protocol_ == kNetlinkSockDiag) {
      extra = kNlmGetFlags;
    }
    put_flags2(o_, kNlmFlags, extra, flags, "NLM_F_???");
    o_ += ", nlmsg_seq=";
    put_u(o_, u32(off + 8));
    o_ += ", nlmsg_pid=";
    put_u(o_, u32(off + 12));
    o_ += '}';
  }

  // decode_nlmsghdr_with_payload(): `len` bytes from off are the message's.
  void message(uint64_t off, uint64_t len) {
    uint64_t l = std::min<uint64_t>(u32(off), len);
    if (l > kNlmsgHdrLen) o_ += '[';
    header(off);
    if (l > kNlmsgHdrLen) {
      o_ += ", ";
      payload(off, off + kNlmsgHdrLen, l - kNlmsgHdrLen);
      o_ += ']';
    }
  }

  // decode_payload(); `hdr` is the message's header.
  void payload(uint64_t hdr, uint64_t off, uint64_t len) {
    uint16_t type = u16(hdr + 4);
    if (type == kNlmsgError) return nlmsgerr(off, len, u16(hdr + 6) & kNlmFCapped);
    if (type >= kNlmsgMinType || type == kNlmsgDone) {
      if (protocol_ == kNetlinkRoute && type != kNlmsgDone) return route(type, off, len);
      if (protocol_ == kNetlinkSockDiag && type != kNlmsgDone) return sock_diag(u16(hdr + 6), off, len);
    }
    if (type == kNlmsgDone && len == 4) {
      if (!have(off, 4)) return cut();
      put_d(o_, get<int32_t>(off));
      return;
    }
    hex(off, len);
  }

  // decode_nlmsgerr() as strace 6.1 prints it: with extended-ack
  // attributes after the echoed message, `[{error=..., msg=...}, attrs]`.
  void nlmsgerr(uint64_t off, uint64_t len, bool capped) {
    if (len < 4) return hex(off, len);
    if (!have(off, 4)) return cut();
    int32_t err = get<int32_t>(off);
    uint64_t moff = off + 4, mlen = len - 4;
    bool fetched = mlen >= kNlmsgHdrLen && have(moff, kNlmsgHdrLen);
    uint64_t payload = 0;
    if (fetched) payload = std::min<uint64_t>(capped ? kNlmsgHdrLen : u32(moff), mlen);
    bool tlvs = fetched && mlen > payload;
    if (tlvs) o_ += '[';
    o_ += "{error=";
    std::string_view name = err < 0 ? errno_name(-err) : std::string_view{};
    if (!name.empty()) {
      o_ += '-';
      o_ += name;
    } else {
      put_d(o_, err);
    }
    if (mlen) {
      o_ += ", msg=";
      if (mlen < kNlmsgHdrLen)
        hex(moff, mlen);
      else if (!fetched)
        cut();
      else
        message(moff, payload);
    }
    o_ += '}';
    if (tlvs) {
      o_ += ", ";
      attrs(moff + payload, mlen - payload, kNlmsgErrAttrs, "NLMSGERR_ATTR_???",
            [&](uint16_t t, uint64_t o, uint64_t l) {
              switch (t) {
                case 1: str(o, l); return true;
                case 2: return num<uint32_t>(o, l);
                case 3: return bytes_array(o, l);
              }
              return false;
            });
      o_ += ']';
    }
  }

  // An array of u8 printed as numbers (NLMSGERR_ATTR_COOKIE).
  bool bytes_array(uint64_t off, uint64_t len) {
    if (!len) return false;
    o_ += '[';
    for (uint64_t i = 0; i < len; ++i) {
      if (i) o_ += ", ";
      if (i == limit_) {
        o_ += "...";
        break;
      }
      if (!have(off + i, 1)) {
        cut();
        break;
      }
      put_u(o_, u8(off + i));
    }
    o_ += ']';
    return true;
  }

  // decode_family(): what strace shows of a payload it has no decoder for.
  void family_data(uint64_t off, uint64_t len) {
    o_ += "{family=";
    put_xval(o_, std::span<const Xlat>(kFamilies), u8(off), "AF_???");
    if (len > 1) {
      o_ += ", data=";
      hex(off + 1, len - 1);
    }
    o_ += '}';
  }

  // The common shape of strace's struct decoders: family first, the rest
  // only when the whole struct is there, then the attributes after it.
  template <class Body, class Attrs>
  void structure(uint64_t off, uint64_t len, std::string_view family_field, uint64_t size, Body&& body,
                 Attrs&& attributes) {
    o_ += '{';
    o_ += family_field;
    o_ += '=';
    put_xval(o_, std::span<const Xlat>(kFamilies), u8(off), "AF_???");
    o_ += ", ";
    bool decode_nla = false;
    if (len >= size) {
      if (!have(off, size)) {
        cut();
      } else {
        body();
        decode_nla = true;
      }
    } else {
      o_ += "...";
    }
    o_ += '}';
    if (decode_nla && len > align4(size)) {
      o_ += ", ";
      attributes(off + align4(size), len - align4(size));
    }
  }

  // ---- NETLINK_SOCK_DIAG ----------------------------------------------------

  void sock_diag(uint16_t flags, uint64_t off, uint64_t len) {
    if (!have(off, 1)) return cut();
    uint8_t family = u8(off);
    bool request = flags & kNlmFRequest;
    if (len > 1) {
      switch (family) {
        case AF_INET:
        case AF_INET6:
          return request ? inet_diag_req(off, len) : inet_diag_msg(off, len);
        case AF_UNIX:
          return request ? unix_diag_req(off, len) : unix_diag_msg(off, len);
        case AF_NETLINK:
          return request ? netlink_diag_req(off, len) : netlink_diag_msg(off, len);
      }
    }
    family_data(off, len);
  }

  void sockid(uint64_t off, int family) {
    fmt::format_to(std::back_inserter(o_), "{{idiag_sport=htons({}), idiag_dport=htons({}), ", ntohs(u16(off)),
                   ntohs(u16(off + 2)));
    inet_addr_field(off + 4, "idiag_src", family);
    o_ += ", ";
    inet_addr_field(off + 20, "idiag_dst", family);
    o_ += ", idiag_if=";
    put_ifindex(o_, u32(off + 36));
    o_ += ", ";
    cookie(off + 40, "idiag_cookie");
    o_ += '}';
  }

  void inet_diag_req(uint64_t off, uint64_t len) {
    int family = u8(off);
    structure(
        off, len, "sdiag_family", 56,
        [&] {
          o_ += "sdiag_protocol=";
          put_xval(o_, std::span<const Xlat>(kInetProtos), u8(off + 1), "IPPROTO_???");
          o_ += ", idiag_ext=";
          put_flags(o_, kInetDiagExtFlags, u8(off + 2), "1<<(INET_DIAG_\?\?\?-1)");
          o_ += ", idiag_states=";
          put_flags(o_, kTcpStateFlags, u32(off + 4), "1<<TCP_???");
          o_ += ", id=";
          sockid(off + 8, family);
        },
        [&](uint64_t o, uint64_t l) {
          attrs(o, l, kInetDiagReqAttrs, "INET_DIAG_REQ_???", [](uint16_t, uint64_t, uint64_t) { return false; });
        });
  }

  void inet_diag_msg(uint64_t off, uint64_t len) {
    int family = u8(off);
    structure(
        off, len, "idiag_family", 72,
        [&] {
          o_ += "idiag_state=";
          put_xval(o_, kTcpStates, u8(off + 1), "TCP_???");
          fmt::format_to(std::back_inserter(o_), ", idiag_timer={}, idiag_retrans={}, id=", u8(off + 2),
                         u8(off + 3));
          sockid(off + 4, family);
          fmt::format_to(std::back_inserter(o_),
                         ", idiag_expires={}, idiag_rqueue={}, idiag_wqueue={}, idiag_uid={}, idiag_inode={}",
                         u32(off + 52), u32(off + 56), u32(off + 60), u32(off + 64), u32(off + 68));
        },
        [&](uint64_t o, uint64_t l) {
          attrs(o, l, kInetDiagAttrs, "INET_DIAG_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
            switch (t) {
              case 1: return fields<uint32_t>(ao, al, {"idiag_rmem", "idiag_wmem", "idiag_fmem", "idiag_tmem"});
              case 3: return fields<uint32_t>(ao, al, {"tcpv_enabled", "tcpv_rttcnt", "tcpv_rtt", "tcpv_minrtt"});
              case 4: str(ao, al); return true;
              case 5:
              case 6:
              case 10:
              case 11: return num<uint8_t>(ao, al);
              case 7: return meminfo(ao, al);
              case 8: return shutdown_flags(ao, al);
              case 15:
              case 17: return num<uint32_t>(ao, al);
              case 21: return num<uint64_t>(ao, al);
              case 22: return inet_sockopt(ao, al);
            }
            return false;
          });
        });
  }

  // INET_DIAG_SHUTDOWN: XLAT_STYLE_VERBOSE, the names in a comment.
  bool shutdown_flags(uint64_t off, uint64_t len) {
    if (len > 8 || len < 1) return false;
    if (!have(off, 1)) {
      cut();
      return true;
    }
    uint8_t v = u8(off);
    put_hex(o_, v);
    if (v) {
      o_ += " /* ";
      std::string names;
      put_flags(names, kShutdownFlags, v, "");
      if (names.find(" /* ") != std::string::npos)
        o_ += "???_SHUTDOWN";
      else
        o_ += names;
      o_ += " */";
    }
    return true;
  }

  // INET_DIAG_SOCKOPT: struct inet_diag_sockopt's bits that are set.
  bool inet_sockopt(uint64_t off, uint64_t len) {
    if (len < 2) return false;
    if (!have(off, 2)) {
      cut();
      return true;
    }
    static constexpr std::string_view kBits[] = {"recverr",    "is_icsk",     "freebind", "hdrincl",
                                                 "mc_loop",    "transparent", "mc_all",   "nodefrag",
                                                 "bind_address_no_port", "recverr_rfc4884", "defer_connect"};
    uint16_t v = u16(off);
    o_ += '{';
    bool first = true;
    for (std::size_t i = 0; i < std::size(kBits); ++i)
      if (v & (1u << i)) {
        if (!first) o_ += ", ";
        first = false;
        o_ += kBits[i];
        o_ += "=1";
      }
    if (v >> 11) {
      if (!first) o_ += ", ";
      fmt::format_to(std::back_inserter(o_), "unused={:#x}", v >> 11);
    }
    o_ += '}';
    return true;
  }

  void unix_diag_req(uint64_t off, uint64_t len) {
    structure(
        off, len, "sdiag_family", 24,
        [&] {
          fmt::format_to(std::back_inserter(o_), "sdiag_protocol={}, udiag_states=", u8(off + 1));
          put_flags(o_, kTcpStateFlags, u32(off + 4), "1<<TCP_???");
          fmt::format_to(std::back_inserter(o_), ", udiag_ino={}, udiag_show=", u32(off + 8));
          put_flags(o_, kUnixDiagShow, u32(off + 12), "UDIAG_SHOW_???");
          o_ += ", ";
          cookie(off + 16, "udiag_cookie");
        },
        [](uint64_t, uint64_t) {});
  }

  void unix_diag_msg(uint64_t off, uint64_t len) {
    structure(
        off, len, "udiag_family", 16,
        [&] {
          o_ += "udiag_type=";
          put_xval(o_, std::span<const Xlat>(kSockTypes), u8(off + 1), "SOCK_???");
          o_ += ", udiag_state=";
          put_xval(o_, kTcpStates, u8(off + 2), "TCP_???");
          fmt::format_to(std::back_inserter(o_), ", udiag_ino={}, ", u32(off + 4));
          cookie(off + 8, "udiag_cookie");
        },
        [&](uint64_t o, uint64_t l) {
          attrs(o, l, kUnixDiagAttrs, "UNIX_DIAG_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
            switch (t) {
              case 0: str(ao, al); return true;
              case 1: {
                if (al < 8) return false;
                if (!have(ao, 8)) {
                  cut();
                  return true;
                }
                uint32_t dev = u32(ao);
                fmt::format_to(std::back_inserter(o_), "{{udiag_vfs_dev=makedev({:#x}, {:#x}), udiag_vfs_ino={}}}",
                               (dev >> 8) & 0xfff, (dev & 0xff) | ((dev >> 12) & 0xfff00), u32(ao + 4));
                return true;
              }
              case 2: return num<uint32_t>(ao, al);
              case 3: return u32_array(ao, al);
              case 4: return fields<uint32_t>(ao, al, {"udiag_rqueue", "udiag_wqueue"});
              case 5: return meminfo(ao, al);
              case 6: return num<uint8_t>(ao, al);
              case 7: return uid(ao, al);
            }
            return false;
          });
        });
  }

  bool u32_array(uint64_t off, uint64_t len) {
    uint64_t n = len / 4;
    if (!n) return false;
    o_ += '[';
    for (uint64_t i = 0; i < n; ++i) {
      if (i) o_ += ", ";
      if (i == limit_) {
        o_ += "...";
        break;
      }
      if (!have(off + i * 4, 4)) {
        cut();
        break;
      }
      put_u(o_, u32(off + i * 4));
    }
    o_ += ']';
    return true;
  }

  void netlink_diag_req(uint64_t off, uint64_t len) {
    structure(
        off, len, "sdiag_family", 20,
        [&] {
          o_ += "sdiag_protocol=";
          if (u8(off + 1) == kNdiagProtoAll)
            o_ += "NDIAG_PROTO_ALL";
          else
            append_protocol(o_, AF_NETLINK, u8(off + 1));
          fmt::format_to(std::back_inserter(o_), ", ndiag_ino={}, ndiag_show=", u32(off + 4));
          put_flags(o_, kNetlinkDiagShow, u32(off + 8), "NDIAG_SHOW_???");
          o_ += ", ";
          cookie(off + 12, "ndiag_cookie");
        },
        [](uint64_t, uint64_t) {});
  }

  void netlink_diag_msg(uint64_t off, uint64_t len) {
    structure(
        off, len, "ndiag_family", 28,
        [&] {
          o_ += "ndiag_type=";
          put_xval(o_, std::span<const Xlat>(kSockTypes), u8(off + 1), "SOCK_???");
          o_ += ", ndiag_protocol=";
          append_protocol(o_, AF_NETLINK, u8(off + 2));
          // strace 6.1 names a netlink socket's sk_state as a TCP state
          // (an unconnected one is TCP_CLOSE, sock_init_data()'s).
          o_ += ", ndiag_state=";
          put_xval(o_, kTcpStates, u8(off + 3), "NETLINK_???");
          fmt::format_to(std::back_inserter(o_),
                         ", ndiag_portid={}, ndiag_dst_portid={}, ndiag_dst_group={}, ndiag_ino={}, ", u32(off + 4),
                         u32(off + 8), u32(off + 12), u32(off + 16));
          cookie(off + 20, "ndiag_cookie");
        },
        [&](uint64_t o, uint64_t l) {
          attrs(o, l, kNetlinkDiagAttrs, "NETLINK_DIAG_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
            switch (t) {
              case 0: return meminfo(ao, al);
              case 1: return groups(ao, al);
              case 2:
              case 3:
                return fields<uint32_t>(ao, al, {"ndr_block_size", "ndr_block_nr", "ndr_frame_size", "ndr_frame_nr"});
              case 4:
                if (al < 4) return false;
                if (!have(ao, 4)) {
                  cut();
                  return true;
                }
                put_flags(o_, kNetlinkSocketFlags, u32(ao), "NDIAG_FLAG_???");
                return true;
            }
            return false;
          });
        });
  }

  // NETLINK_DIAG_GROUPS: words as printf("%#018lx").
  bool groups(uint64_t off, uint64_t len) {
    uint64_t n = len / 8;
    if (!n) return false;
    o_ += '[';
    for (uint64_t i = 0; i < n; ++i) {
      if (i) o_ += ", ";
      if (i == limit_) {
        o_ += "...";
        break;
      }
      if (!have(off + i * 8, 8)) {
        cut();
        break;
      }
      char buf[32];
      std::snprintf(buf, sizeof buf, "%#018llx", static_cast<unsigned long long>(get<uint64_t>(off + i * 8)));
      o_ += buf;
    }
    o_ += ']';
    return true;
  }

  // ---- NETLINK_ROUTE ----------------------------------------------------------

  void route(uint16_t type, uint64_t off, uint64_t len) {
    if (!have(off, 1)) return cut();
    switch (type) {
      case 16:
      case 17:
      case 18:
      case 19: return ifinfomsg(off, len);
      case 20:
      case 21:
      case 22:
      case 58:
      case 62: return ifaddrmsg(off, len);
      case 24:
      case 25:
      case 26: return rtmsg(off, len);
      case 28:
      case 29:
      case 30: return ndmsg(off, len);
    }
    family_data(off, len);
  }

  void ifinfomsg(uint64_t off, uint64_t len) {
    structure(
        off, len, "ifi_family", 16,
        [&] {
          o_ += "ifi_type=";
          put_xval(o_, kArpHardwareTypes, u16(off + 2), "ARPHRD_???");
          o_ += ", ifi_index=";
          put_ifindex(o_, u32(off + 4));
          o_ += ", ifi_flags=";
          put_flags(o_, kIffFlags, u32(off + 8), "IFF_???");
          o_ += ", ifi_change=";
          put_hex(o_, u32(off + 12));
        },
        [&](uint64_t o, uint64_t l) {
          attrs(o, l, kIflaAttrs, "IFLA_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
            switch (t) {
              case 1:
              case 2:
              case 54: return hwaddr(ao, al);
              case 3:
              case 6:
              case 20:
              case 38:
              case 53:
              case 56:
              case 57: str(ao, al); return true;
              case 4:
              case 13:
              case 15:
              case 19:
              case 21:
              case 27:
              case 30:
              case 31:
              case 32:
              case 35:
              case 40:
              case 41:
              case 47:
              case 48:
              case 50:
              case 51:
              case 58:
              case 59:
              case 60:
              case 61: return num<uint32_t>(ao, al);
              case 5:
              case 10: return ifindex(ao, al);
              case 16:
              case 17:
              case 33:
              case 39: return num<uint8_t>(ao, al);
              case 28:
              case 37:
              case 45:
              case 46:
              case 49: return num<int32_t>(ao, al);
              case 29: return xval(ao, al, 4, kRtextFilter, "RTEXT_FILTER_???", true);
              case 7: return link_stats<uint32_t>(ao, al, 24);
              case 23: return link_stats<uint64_t>(ao, al, 25);
              case 14: return ifmap(ao, al);
              case 18: linkinfo(ao, al); return true;
              case 26: af_spec(ao, al); return true;
              case 43: xdp(ao, al); return true;
              case 44:
                if (al < 4) return false;
                if (!have(ao, 4)) {
                  cut();
                  return true;
                }
                put_xval(o_, kIflaEvents, u32(ao), "IFLA_EVENT_???");
                return true;
              case 52:  // IFLA_PROP_LIST: IFLA_ALT_IFNAME among link attributes
                attrs(ao, al, kIflaAttrs, "IFLA_???", [&](uint16_t p, uint64_t po, uint64_t pl) {
                  if (p != 53) return false;
                  str(po, pl);
                  return true;
                });
                return true;
              case 55:
                attrs(ao, al, kIflaProtoDownReasonAttrs, "IFLA_PROTO_DOWN_REASON_???",
                      [&](uint16_t p, uint64_t po, uint64_t pl) {
                        if (p != 1 && p != 2) return false;
                        if (pl < 4) return false;
                        if (!have(po, 4)) {
                          cut();
                          return true;
                        }
                        put_hex(o_, u32(po));
                        return true;
                      });
                return true;
            }
            return false;
          });
        });
  }

  // IFLA_MAP: struct rtnl_link_ifmap up to `port` (28 bytes).
  bool ifmap(uint64_t off, uint64_t len) {
    if (len < 28) return false;
    if (!have(off, 28)) {
      cut();
      return true;
    }
    o_ += "{mem_start=";
    put_hex(o_, get<uint64_t>(off));
    o_ += ", mem_end=";
    put_hex(o_, get<uint64_t>(off + 8));
    o_ += ", base_addr=";
    put_hex(o_, get<uint64_t>(off + 16));
    fmt::format_to(std::back_inserter(o_), ", irq={}, dma={}, port={}}}", u16(off + 24), u8(off + 26), u8(off + 27));
    return true;
  }

  // IFLA_XDP: the attachment mode, flags and program ids (the fds, which
  // strace prints as fds, -y included, in hex).
  void xdp(uint64_t off, uint64_t len) {
    attrs(off, len, kIflaXdpAttrs, "IFLA_XDP_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
      switch (t) {
        case 2: return xval(ao, al, 1, kXdpAttached, "XDP_ATTACHED_???", false);
        case 3:
          if (al < 4) return false;
          if (!have(ao, 4)) {
            cut();
            return true;
          }
          put_flags(o_, kXdpFlags, u32(ao), "XDP_FLAGS_???");
          return true;
        case 4:
        case 5:
        case 6:
        case 7: return num<uint32_t>(ao, al);
      }
      return false;
    });
  }

  // IFLA_AF_SPEC: attributes by address family; strace 6.1 decodes those
  // of AF_INET and AF_INET6, the rest in hex.
  void af_spec(uint64_t off, uint64_t len) {
    attrs(off, len, std::span<const Xlat>(kFamilies), "AF_???", [&](uint16_t family, uint64_t fo, uint64_t fl) {
      if (family == AF_INET) {
        attrs(fo, fl, kIflaInetAttrs, "IFLA_INET_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
          if (t == 1) return indexed<int32_t>(ao, al, kInetDevconf, "IPV4_DEVCONF_???");
          return false;
        });
        return true;
      }
      if (family == AF_INET6) {
        attrs(fo, fl, kIflaInet6Attrs, "IFLA_INET6_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
          switch (t) {
            case 1: return xval(ao, al, 4, kInet6IfFlags, "IF_???", true);
            case 2: return indexed<int32_t>(ao, al, kInet6Devconf, "DEVCONF_???");
            case 3: return indexed<uint64_t>(ao, al, kIpstatsMib, "IPSTATS_MIB_???");
            case 5:
              return fields<uint32_t>(ao, al, {"max_reasm_len", "tstamp", "reachable_time", "retrans_time"});
            case 6: return indexed<uint64_t>(ao, al, kIcmp6Mib, "ICMP6_MIB_???");
            case 7: inet_addr(ao, al, AF_INET6); return true;
            case 8: return xval(ao, al, 1, kIn6AddrGenModes, "IN6_ADDR_GEN_MODE_???", false);
            case 9: return num<uint32_t>(ao, al);
          }
          return false;
        });
        return true;
      }
      return false;
    });
  }

  // print_array_ex(PAF_PRINT_INDICES): [NAME]=value, an unnamed index as
  // [N /* dflt */]; cut at the string limit.
  template <class T>
  bool indexed(uint64_t off, uint64_t len, std::span<const std::string_view> names, std::string_view dflt) {
    uint64_t n = len / sizeof(T);
    if (!n) return false;
    o_ += '[';
    for (uint64_t i = 0; i < n; ++i) {
      if (i) o_ += ", ";
      if (i == limit_) {
        o_ += "...";
        break;
      }
      if (!have(off + i * sizeof(T), sizeof(T))) {
        cut();
        break;
      }
      o_ += '[';
      if (i < names.size())
        o_ += names[i];
      else
        fmt::format_to(std::back_inserter(o_), "{} /* {} */", i, dflt);
      o_ += "]=";
      T v = get<T>(off + i * sizeof(T));
      if constexpr (std::is_signed_v<T>)
        put_d(o_, v);
      else
        put_u(o_, v);
    }
    o_ += ']';
    return true;
  }

  // IFLA_LINKINFO: the kind and slave kind as strings, the data of tun
  // devices and the xstats of CAN devices by the kind named before them;
  // strace 6.1 decodes bridges' data too, shown here in hex like every
  // other kind's.
  void linkinfo(uint64_t off, uint64_t len) {
    std::string kind;
    attrs(off, len, kIflaInfoAttrs, "IFLA_INFO_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
      switch (t) {
        case 1: {
          // umovestr() of IFNAMSIZ bytes from the value, past its end if
          // need be; no NUL among them, no kind.
          kind.clear();
          uint64_t n = 0;
          while (n < 16 && have(ao + n, 1) && u8(ao + n)) ++n;
          if (n < 16 && have(ao + n, 1)) kind.assign(reinterpret_cast<const char*>(d_.data() + ao), n);
          str(ao, al);
          return true;
        }
        case 2:
          if (kind != "tun") return false;
          tun_data(ao, al);
          return true;
        case 3: {
          if (kind != "can" || al < 24) return false;
          if (!have(ao, 24)) {
            cut();
            return true;
          }
          fmt::format_to(std::back_inserter(o_),
                         "{{bus_error={}, error_warning={}, error_passive={}, bus_off={}, arbitration_lost={}, "
                         "restarts={}}}",
                         u32(ao), u32(ao + 4), u32(ao + 8), u32(ao + 12), u32(ao + 16), u32(ao + 20));
          return true;
        }
        case 4: str(ao, al); return true;
      }
      return false;
    });
  }

  void tun_data(uint64_t off, uint64_t len) {
    attrs(off, len, kIflaTunAttrs, "IFLA_TUN_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
      switch (t) {
        case 1:
        case 2: return uid(ao, al);
        case 3: return xval(ao, al, 1, kTunTypes, "IFF_???", false);
        case 4:
        case 5:
        case 6:
        case 7: return num<uint8_t>(ao, al);
        case 8:
        case 9: return num<uint32_t>(ao, al);
      }
      return false;
    });
  }

  // IFLA_STATS / IFLA_STATS64: struct rtnl_link_stats[64]; the fields added
  // last (rx_nohandler, rx_otherhost_dropped) only when the kernel sent them.
  template <class T>
  bool link_stats(uint64_t off, uint64_t len, std::size_t max_fields) {
    constexpr std::size_t kMin = 23;
    if (len < kMin * sizeof(T)) return false;
    std::size_t n = std::min<std::size_t>(max_fields, len / sizeof(T));
    if (!have(off, n * sizeof(T))) {
      cut();
      return true;
    }
    o_ += '{';
    for (std::size_t i = 0; i < n; ++i) {
      if (i) o_ += ", ";
      o_ += kLinkStats[i];
      o_ += '=';
      put_u(o_, get<T>(off + i * sizeof(T)));
    }
    o_ += '}';
    return true;
  }

  void ifaddrmsg(uint64_t off, uint64_t len) {
    int family = u8(off);
    structure(
        off, len, "ifa_family", 8,
        [&] {
          fmt::format_to(std::back_inserter(o_), "ifa_prefixlen={}, ifa_flags=", u8(off + 1));
          put_flags(o_, kIfaFlags, u8(off + 2), "IFA_F_???");
          o_ += ", ifa_scope=";
          put_xval_nodflt(o_, kRtScopes, u8(off + 3));
          o_ += ", ifa_index=";
          put_ifindex(o_, u32(off + 4));
        },
        [&](uint64_t o, uint64_t l) {
          attrs(o, l, kIfaAttrs, "IFA_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
            switch (t) {
              case 1:
              case 2:
              case 4:
              case 5:
              case 7: inet_addr(ao, al, family); return true;
              case 3: str(ao, al); return true;
              case 6:
                return fields<uint32_t>(ao, al, {"ifa_prefered", "ifa_valid", "cstamp", "tstamp"});
              case 8: return xval(ao, al, 4, kIfaFlags, "IFA_F_???", true);
              case 9: return num<uint32_t>(ao, al);
              case 10: return num<int32_t>(ao, al);
              case 11: return xval(ao, al, 1, kIfaProtocols, "IFAPROT_???", false);
            }
            return false;
          });
        });
  }

  void rtmsg(uint64_t off, uint64_t len) {
    int family = u8(off);
    structure(
        off, len, "rtm_family", 12,
        [&] {
          fmt::format_to(std::back_inserter(o_), "rtm_dst_len={}, rtm_src_len={}, rtm_tos=", u8(off + 1),
                         u8(off + 2));
          put_flags(o_, kIpTos, u8(off + 3), "IPTOS_TOS_???");
          o_ += ", rtm_table=";
          put_xval_nodflt(o_, kRtTables, u8(off + 4));
          o_ += ", rtm_protocol=";
          put_xval(o_, kRtProtocols, u8(off + 5), "RTPROT_???");
          o_ += ", rtm_scope=";
          put_xval_nodflt(o_, kRtScopes, u8(off + 6));
          o_ += ", rtm_type=";
          put_xval(o_, kRtnTypes, u8(off + 7), "RTN_???");
          o_ += ", rtm_flags=";
          put_flags(o_, kRtmFlags, u32(off + 8), "RTM_F_???");
        },
        [&](uint64_t o, uint64_t l) { route_attrs(o, l, family); });
  }

  void route_attrs(uint64_t off, uint64_t len, int family) {
    attrs(off, len, kRtaAttrs, "RTA_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
      switch (t) {
        case 1:
        case 2:
        case 5:
        case 7:
        case 19: inet_addr(ao, al, family); return true;
        case 3:
        case 4: return ifindex(ao, al);
        case 6:
        case 10:
        case 11:
        case 14:
        case 16:
        case 25: return num<uint32_t>(ao, al);
        case 8:
          attrs(ao, al, kRtaxAttrs, "RTAX_???", [&](uint16_t m, uint64_t mo, uint64_t ml) {
            if (m == 16) {
              str(mo, ml);
              return true;
            }
            if (m >= 1 && m <= 15) return num<uint32_t>(mo, ml);
            return false;
          });
          return true;
        case 12:
          if (al < 32) return false;
          if (!have(ao, 32)) {
            cut();
            return true;
          }
          fmt::format_to(std::back_inserter(o_),
                         "{{rta_clntref={}, rta_lastuse={}, rta_expires={}, rta_error={}, rta_used={}, "
                         "rta_id={:#x}, rta_ts={}, rta_tsage={}}}",
                         u32(ao), u32(ao + 4), get<int32_t>(ao + 8), u32(ao + 12), u32(ao + 16), u32(ao + 20),
                         u32(ao + 24), u32(ao + 28));
          return true;
        case 15:
          if (al < 4) return false;
          if (!have(ao, 4)) {
            cut();
            return true;
          }
          put_xval_nodflt(o_, kRtTables, u32(ao));
          return true;
        case 20:
        case 26:
        case 27: return num<uint8_t>(ao, al);
        case 23: return num<uint64_t>(ao, al);
        case 28:
        case 29: return num<uint16_t>(ao, al);
        case 9: return multipath(ao, al, family);
        case 17: return fields<uint64_t>(ao, al, {"mfcs_packets", "mfcs_bytes", "mfcs_wrong_if"});
        case 21:
          if (al < 2) return false;
          if (!have(ao, 2)) {
            cut();
            return true;
          }
          put_xval(o_, kLwtunnelEncapTypes, u16(ao), "LWTUNNEL_ENCAP_???");
          return true;
        case 18: {
          if (al < 2) return false;
          if (!have(ao, 2)) {
            cut();
            return true;
          }
          uint16_t via = u16(ao);
          o_ += "{rtvia_family=";
          put_xval(o_, std::span<const Xlat>(kFamilies), via, "AF_???");
          if (al > 2) {
            o_ += ", ";
            inet_addr(ao + 2, al - 2, via, "rtvia_addr");
          }
          o_ += '}';
          return true;
        }
      }
      return false;
    });
  }

  // RTA_MULTIPATH: struct rtnexthop, each followed by its own route
  // attributes, to the end of the attribute.
  bool multipath(uint64_t off, uint64_t len, int family) {
    constexpr uint64_t kNh = 8;
    if (len < kNh) return false;
    bool is_array = false;
    uint64_t cur = off, left = len;
    for (;;) {
      if (!have(cur, kNh)) {
        cut();
        break;
      }
      uint16_t nh_len = u16(cur);
      uint64_t l = std::min<uint64_t>(left, nh_len);
      if (cur == off && nh_len < len) {
        o_ += '[';
        is_array = true;
      }
      if (cur > off) o_ += ", ";
      if (l > kNh) o_ += '[';
      fmt::format_to(std::back_inserter(o_), "{{rtnh_len={}, rtnh_flags=", nh_len);
      put_flags(o_, kRtnhFlags, u8(cur + 2), "RTNH_F_???");
      fmt::format_to(std::back_inserter(o_), ", rtnh_hops={}, rtnh_ifindex=", u8(cur + 3));
      put_ifindex(o_, u32(cur + 4));
      o_ += '}';
      if (l > kNh) {
        o_ += ", ";
        route_attrs(cur + kNh, l - kNh, family);
        o_ += ']';
      }
      // A zero rtnh_len would not advance: strace 6.1 loops on it forever.
      if (align4(l) >= left || l == 0) break;
      cur += align4(l);
      left -= align4(l);
    }
    if (is_array) o_ += ']';
    return true;
  }

  void ndmsg(uint64_t off, uint64_t len) {
    int family = u8(off);
    structure(
        off, len, "ndm_family", 12,
        [&] {
          o_ += "ndm_ifindex=";
          put_ifindex(o_, u32(off + 4));
          o_ += ", ndm_state=";
          put_flags_zero(o_, kNudStates, u16(off + 8), "NUD_???");
          o_ += ", ndm_flags=";
          put_flags(o_, kNtfFlags, u8(off + 10), "NTF_???");
          o_ += ", ndm_type=";
          put_xval(o_, kRtnTypes, u8(off + 11), "RTN_???");
        },
        [&](uint64_t o, uint64_t l) {
          attrs(o, l, kNdaAttrs, "NDA_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
            switch (t) {
              case 1: inet_addr(ao, al, family); return true;
              case 2: return hwaddr(ao, al);
              case 3: return fields<uint32_t>(ao, al, {"ndm_confirmed", "ndm_used", "ndm_updated", "ndm_refcnt"});
              case 4:
              case 7:
              case 11: return num<uint32_t>(ao, al);
              case 5: return num<uint16_t>(ao, al);
              case 6:
                if (al < 2) return false;
                if (!have(ao, 2)) {
                  cut();
                  return true;
                }
                fmt::format_to(std::back_inserter(o_), "htons({})", ntohs(u16(ao)));
                return true;
              case 8:
              case 9: return ifindex(ao, al);
              case 10: return num<int32_t>(ao, al);
            }
            return false;
          });
        });
  }

  std::string& o_;
  std::span<const std::byte> d_;
  int protocol_;
  uint64_t limit_;
};

}  // namespace

void append_netlink(std::string& o, std::span<const std::byte> data, uint64_t len, int protocol, uint64_t limit) {
  Decoder(o, data, protocol, limit).messages(0, len);
}

}  // namespace socktrace::strace
