// Container and pod names from what the node keeps on disk, without an API
// server: the kubelet's log directories (any CRI runtime), Docker's
// config.v2.json and containers/storage's containers.json and CRI-O's
// config.json. Every file is read under a host root (`--host-root`: the
// node's directories mounted under /host in a DaemonSet) and is untrusted:
// a missing, unreadable, oversized or malformed one names nothing, and a
// name is kept only when it is one a runtime could have given (letters,
// digits, '_', '.', '-'), so it can be printed as is. The parsers are pure
// functions over one file name or text, for the unit tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/cgroups.h"

namespace socktrace {

// What a source says of one container; "" where it says nothing.
struct ContainerNaming {
  std::string name;           // the container's: "nginx"
  std::string pod_name;       // its Kubernetes pod's, with the namespace
  std::string pod_namespace;
};

// A pod by the kubelet's log directory /var/log/pods/NAMESPACE_POD_UID.
struct PodRef {
  std::string pod_namespace;
  std::string pod_name;
  std::string uid;
};
std::optional<PodRef> parse_pod_log_dir(std::string_view dir_name);

// A container by the kubelet's log link
// /var/log/containers/POD_NAMESPACE_CONTAINER-ID.log (ID: 64 hex digits).
struct ContainerLogRef {
  ContainerNaming naming;
  std::string id;
};
std::optional<ContainerLogRef> parse_container_log_name(std::string_view file_name);

// Docker's /var/lib/docker/containers/ID/config.v2.json: "Name" without its
// leading '/', or, for a Kubernetes container (dockershim), the
// io.kubernetes.container.name, io.kubernetes.pod.name and
// io.kubernetes.pod.namespace labels of "Config"."Labels".
std::optional<ContainerNaming> parse_docker_config(std::string_view json);
// CRI-O's /var/lib/containers/storage/overlay-containers/ID/userdata/config.json:
// the same three io.kubernetes.* keys, in "annotations".
std::optional<ContainerNaming> parse_crio_config(std::string_view json);
// containers/storage's overlay-containers/containers.json (Podman, CRI-O):
// each container's "id" and its first "names" entry.
std::vector<std::pair<std::string, std::string>> parse_storage_containers(std::string_view json);

// The names of the containers and pods the views show, read under `host_root`.
// The directory listings and containers.json are read when a container or
// pod without a name is asked about, at most once per `min_reread_ns`; a
// container's own file when it is asked about first (and again, as long as
// it names nothing, at most as often). Names found are kept while they are
// asked for; those not asked for over a minute are forgotten.
class RuntimeNames {
 public:
  explicit RuntimeNames(std::string host_root, uint64_t min_reread_ns = 2'000'000'000);
  // The names of container `c` (by its id) and of its pod (by the pod UID
  // when no source names the pod with the container).
  ContainerNaming lookup(const ContainerInfo& c, uint64_t now_ns);
  // Sets c's name, pod_name and pod_namespace where they are empty: what
  // CgroupNames asks.
  void fill(ContainerInfo& c, uint64_t now_ns);

 private:
  struct Known {
    ContainerNaming naming;
    uint64_t read_ns = 0;
    uint64_t used_ns = 0;
  };
  void reread(uint64_t now_ns);
  ContainerNaming resolve(const ContainerInfo& c) const;
  std::string path(std::string_view rel) const;

  std::string root_;
  uint64_t min_reread_ns_;
  bool read_ = false;
  uint64_t read_ns_ = 0;
  std::unordered_map<std::string, ContainerNaming> kubelet_containers_;  // container id -> names
  std::unordered_map<std::string, PodRef> kubelet_pods_;                 // pod UID -> names
  std::unordered_map<std::string, std::string> storage_names_;           // container id -> name
  std::unordered_map<std::string, Known> known_;                         // container id + pod UID -> names
};

}  // namespace socktrace
