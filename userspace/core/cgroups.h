// The cgroup v2 hierarchy as --cgroup and --container see it: where it is
// mounted, which container a cgroup belongs to (from the runtimes' naming
// schemes), and which cgroup a container id or prefix names. Plain file
// system code, no BPF: every function takes the hierarchy's root, so the unit
// tests run it against fixture trees.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace socktrace {

// The mount point of the first cgroup2 file system in /proc/mounts text.
std::optional<std::string> cgroup2_mount(std::string_view mounts);

struct ContainerInfo {
  std::string runtime;  // "docker", "containerd", "cri-o", "podman"
  std::string id;       // 64 hex digits
  std::string pod_uid;  // Kubernetes pod UID (with dashes), "" when not in a pod
  // Names from the runtimes' state on disk (runtime_names.h), "" when not
  // known: the container's ("nginx"; in Kubernetes the pod spec's), its pod's
  // and the pod's namespace. (Default-initialized: `{runtime, id, pod_uid}`
  // stays a whole initializer.)
  std::string name{};
  std::string pod_name{};
  std::string pod_namespace{};
};

// The container a cgroup path belongs to, judged from its components (the
// path relative to the hierarchy's root, or absolute: only the components
// matter). The deepest component that names a container wins, so a cgroup
// below a container's (podman's "container", a systemd inside) is that
// container's. Recognized, with the systemd and cgroupfs drivers:
//   docker-ID.scope          /docker/ID                 Docker
//   cri-containerd-ID.scope  /kubepods/.../podUID/ID    containerd (CRI)
//   crio-ID.scope            /kubepods/.../podUID/crio-ID   CRI-O
//   libpod-ID.scope          /libpod_parent/libpod-ID   Podman
//   containerd-ID.scope, /NAMESPACE/ID                  containerd (nerdctl, ctr)
// conmon's cgroups (crio-conmon-ID, libpod-conmon-ID) are not the container.
// The pod UID comes from kubepods-...-podUID.slice (underscores for dashes)
// or podUID.
std::optional<ContainerInfo> container_of_cgroup(std::string_view path);

// What the views ask to name the container of a cgroup id (nullptr: none).
using ContainerLookup = std::function<const ContainerInfo*(uint64_t cgroup_id)>;

// Adds container_id, container_runtime, and pod_uid, container_name,
// pod_name, pod_namespace (each when known) to a JSON object under
// construction.
template <typename JsonObject>
void add_container_fields(JsonObject& o, const ContainerLookup& lookup, uint64_t cgroup_id) {
  if (!lookup) return;
  const ContainerInfo* c = lookup(cgroup_id);
  if (!c) return;
  o.field("container_id", std::string_view(c->id)).field("container_runtime", std::string_view(c->runtime));
  if (!c->pod_uid.empty()) o.field("pod_uid", std::string_view(c->pod_uid));
  if (!c->name.empty()) o.field("container_name", std::string_view(c->name));
  if (!c->pod_name.empty())
    o.field("pod_name", std::string_view(c->pod_name)).field("pod_namespace", std::string_view(c->pod_namespace));
}

// A cgroup that names a container, found by a scan.
struct ContainerCgroup {
  std::string path;  // absolute: root + relative path
  ContainerInfo info;
};

// Every container cgroup below `root` whose id starts with `prefix` (lower
// case hex; "" lists them all). Cgroups below a container's own are not
// listed again. At most `max_depth` levels are scanned.
std::vector<ContainerCgroup> find_containers(const std::string& root, std::string_view prefix, int max_depth = 16);

// The cgroups of the one container `id` (full id or unique prefix) names.
// Throws UsageError, one line, when it is not hex, when no container matches
// and when several do (listing them).
std::vector<ContainerCgroup> resolve_container(const std::string& root, std::string_view id);

// cgroup id (the inode of its directory) -> the container it belongs to, for
// the container_id / pod_uid fields of events. Scans the hierarchy once, and
// again (at most once per `min_rescan_ns`) when asked about a cgroup it has
// not seen: cgroups come and go with containers.
class CgroupNames {
 public:
  explicit CgroupNames(std::string root, uint64_t min_rescan_ns = 1'000'000'000)
      : root_(std::move(root)), min_rescan_ns_(min_rescan_ns) {}
  // Fills in a container's names (ContainerInfo::name, pod_name,
  // pod_namespace) where they are empty; RuntimeNames::fill in socktrace.
  using Namer = std::function<void(ContainerInfo& c, uint64_t now_ns)>;
  void set_namer(Namer namer) { namer_ = std::move(namer); }
  // nullptr when the cgroup is no container's (or is unknown). Its names
  // are asked of the namer until they are all known.
  const ContainerInfo* lookup(uint64_t cgroup_id, uint64_t now_ns);
  // Its path relative to the root, as /proc/PID/cgroup shows it ("" unknown).
  std::string path(uint64_t cgroup_id, uint64_t now_ns);
  void rescan();

 private:
  std::string root_;
  uint64_t min_rescan_ns_;
  uint64_t last_scan_ns_ = 0;
  bool scanned_ = false;
  // Every cgroup seen; nullopt for those that belong to no container.
  std::unordered_map<uint64_t, std::optional<ContainerInfo>> by_id_;
  std::unordered_map<uint64_t, std::string> paths_;
  Namer namer_;
  // When the namer was last asked about a container it has not named yet.
  std::unordered_map<uint64_t, uint64_t> name_asked_ns_;
  static constexpr uint64_t kNameRetryNs = 1'000'000'000;
  void find(uint64_t cgroup_id, uint64_t now_ns);
};

}  // namespace socktrace
