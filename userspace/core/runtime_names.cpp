#include "core/runtime_names.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <functional>

#include "core/json_read.h"

namespace socktrace {

namespace {

using JsonKind = JsonReader::Kind;

// A container's own file is a few kilobytes (Docker's config.v2.json with a
// long environment, an OCI config.json); containers.json holds every
// container of the node, about 1 KiB each.
constexpr std::size_t kMaxContainerFile = 4u << 20;
constexpr std::size_t kMaxStorageFile = 32u << 20;
// Entries read from one log directory: a node runs at most a few hundred pods.
constexpr std::size_t kMaxDirEntries = 100'000;
// Names not asked for over this long are forgotten (their container is
// likely gone).
constexpr uint64_t kForgetNs = 60'000'000'000;

// Docker, Podman and Kubernetes names are all made of these (Kubernetes: DNS
// labels and subdomains, at most 253 bytes); anything else in a file is not
// a runtime's name, and is not shown.
bool plausible_name(std::string_view s) {
  return !s.empty() && s.size() <= 253 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '.' || c == '-';
         });
}

bool lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool is_container_id(std::string_view s) { return s.size() == 64 && std::all_of(s.begin(), s.end(), lower_hex); }

// 8-4-4-4-12 hex digits, as the kubelet writes pod UIDs.
bool is_pod_uid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !lower_hex(s[i])) return false;
  }
  return true;
}

// "a_b_c" -> {"a", "b", "c"}: exactly three non-empty parts, or nothing.
std::optional<std::array<std::string_view, 3>> three_parts(std::string_view s) {
  std::size_t a = s.find('_');
  if (a == std::string_view::npos) return std::nullopt;
  std::size_t b = s.find('_', a + 1);
  if (b == std::string_view::npos || s.find('_', b + 1) != std::string_view::npos) return std::nullopt;
  std::array<std::string_view, 3> out{s.substr(0, a), s.substr(a + 1, b - a - 1), s.substr(b + 1)};
  for (auto p : out)
    if (p.empty()) return std::nullopt;
  return out;
}

// The whole of a regular file of at most `max` bytes; nothing for anything
// else. O_NONBLOCK: a FIFO planted where a file should be must not hang the
// reader (and is refused by the S_ISREG check).
std::optional<std::string> read_bounded(const std::string& path, std::size_t max) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return std::nullopt;
  struct stat st{};
  std::optional<std::string> out;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) <= max) {
    std::string text;
    char buf[65536];
    for (;;) {
      ssize_t n = read(fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || text.size() + static_cast<std::size_t>(n) > max) {
        if (n == 0) out = std::move(text);
        break;
      }
      text.append(buf, static_cast<std::size_t>(n));
    }
  }
  close(fd);
  return out;
}

// The names in directory `dir` (none when it cannot be read).
void list_dir(const std::string& dir, const std::function<void(std::string_view)>& each) {
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  std::size_t seen = 0;
  while (dirent* e = readdir(d)) {
    if (++seen > kMaxDirEntries) break;
    std::string_view name = e->d_name;
    if (name != "." && name != "..") each(name);
  }
  closedir(d);
}

// The io.kubernetes.* keys of a labels or annotations object.
bool kubernetes_keys(JsonReader& r, ContainerNaming& out) {
  return r.object([&](const std::string& key) {
    std::string* to = key == "io.kubernetes.container.name" ? &out.name
                      : key == "io.kubernetes.pod.name"     ? &out.pod_name
                      : key == "io.kubernetes.pod.namespace" ? &out.pod_namespace
                                                              : nullptr;
    return to && r.next() == JsonKind::kString ? r.string(*to) : r.skip();
  });
}

// What of `raw` may be shown: plausible names only, a pod only with its
// namespace; nothing when nothing is left.
std::optional<ContainerNaming> kept(const ContainerNaming& raw) {
  ContainerNaming n;
  if (plausible_name(raw.name)) n.name = raw.name;
  if (plausible_name(raw.pod_name) && plausible_name(raw.pod_namespace)) {
    n.pod_name = raw.pod_name;
    n.pod_namespace = raw.pod_namespace;
  }
  if (n.name.empty() && n.pod_name.empty()) return std::nullopt;
  return n;
}

void merge_naming(ContainerNaming& into, const ContainerNaming& from) {
  if (into.name.empty()) into.name = from.name;
  if (into.pod_name.empty() && !from.pod_name.empty()) {
    into.pod_name = from.pod_name;
    into.pod_namespace = from.pod_namespace;
  }
}

bool names_whole(const ContainerNaming& n, const ContainerInfo& c) {
  return !n.name.empty() && (c.pod_uid.empty() || !n.pod_name.empty());
}

}  // namespace

std::optional<PodRef> parse_pod_log_dir(std::string_view dir_name) {
  auto parts = three_parts(dir_name);
  if (!parts || !is_pod_uid((*parts)[2]) || !plausible_name((*parts)[0]) || !plausible_name((*parts)[1]))
    return std::nullopt;
  return PodRef{std::string((*parts)[0]), std::string((*parts)[1]), std::string((*parts)[2])};
}

std::optional<ContainerLogRef> parse_container_log_name(std::string_view file_name) {
  constexpr std::string_view kSuffix = ".log";
  if (!file_name.ends_with(kSuffix)) return std::nullopt;
  file_name.remove_suffix(kSuffix.size());
  if (file_name.size() < 66 || file_name[file_name.size() - 65] != '-') return std::nullopt;
  std::string_view id = file_name.substr(file_name.size() - 64);
  auto parts = three_parts(file_name.substr(0, file_name.size() - 65));
  if (!is_container_id(id) || !parts) return std::nullopt;
  ContainerNaming raw{std::string((*parts)[2]), std::string((*parts)[0]), std::string((*parts)[1])};
  auto n = kept(raw);
  if (!n || n->name.empty() || n->pod_name.empty()) return std::nullopt;
  return ContainerLogRef{*n, std::string(id)};
}

std::optional<ContainerNaming> parse_docker_config(std::string_view json) {
  JsonReader r(json);
  std::string name;
  ContainerNaming labels;
  bool ok = r.object([&](const std::string& key) {
    if (key == "Name" && r.next() == JsonKind::kString) return r.string(name);
    if (key == "Config" && r.next() == JsonKind::kObject)
      return r.object([&](const std::string& k) {
        return k == "Labels" && r.next() == JsonKind::kObject ? kubernetes_keys(r, labels) : r.skip();
      });
    return r.skip();
  });
  if (!ok || !r.end()) return std::nullopt;
  // A dockershim container's Name is k8s_CONTAINER_POD_NAMESPACE_UID_N: the
  // label says which part is the container.
  ContainerNaming raw = labels;
  if (raw.name.empty()) raw.name = name.starts_with('/') ? name.substr(1) : name;
  return kept(raw);
}

std::optional<ContainerNaming> parse_crio_config(std::string_view json) {
  JsonReader r(json);
  ContainerNaming annotations;
  bool ok = r.object([&](const std::string& key) {
    return key == "annotations" && r.next() == JsonKind::kObject ? kubernetes_keys(r, annotations) : r.skip();
  });
  if (!ok || !r.end()) return std::nullopt;
  return kept(annotations);
}

std::vector<std::pair<std::string, std::string>> parse_storage_containers(std::string_view json) {
  JsonReader r(json);
  std::vector<std::pair<std::string, std::string>> out;
  bool ok = r.array([&] {
    if (r.next() != JsonKind::kObject) return r.skip();
    std::string id, first;
    bool ok_item = r.object([&](const std::string& key) {
      if (key == "id" && r.next() == JsonKind::kString) return r.string(id);
      if (key == "names" && r.next() == JsonKind::kArray) {
        first.clear();
        return r.array([&] { return first.empty() && r.next() == JsonKind::kString ? r.string(first) : r.skip(); });
      }
      return r.skip();
    });
    if (ok_item && is_container_id(id) && plausible_name(first)) out.emplace_back(std::move(id), std::move(first));
    return ok_item;
  });
  if (!ok || !r.end()) return {};
  return out;
}

RuntimeNames::RuntimeNames(std::string host_root, uint64_t min_reread_ns)
    : root_(std::move(host_root)), min_reread_ns_(min_reread_ns) {
  while (!root_.empty() && root_.back() == '/') root_.pop_back();
}

std::string RuntimeNames::path(std::string_view rel) const { return root_ + "/" + std::string(rel); }

void RuntimeNames::reread(uint64_t now_ns) {
  kubelet_containers_.clear();
  kubelet_pods_.clear();
  storage_names_.clear();
  list_dir(path("var/log/containers"), [&](std::string_view name) {
    if (auto ref = parse_container_log_name(name)) kubelet_containers_[ref->id] = ref->naming;
  });
  list_dir(path("var/log/pods"), [&](std::string_view name) {
    if (auto pod = parse_pod_log_dir(name)) kubelet_pods_[pod->uid] = *pod;
  });
  if (auto text = read_bounded(path("var/lib/containers/storage/overlay-containers/containers.json"), kMaxStorageFile))
    for (auto& [id, name] : parse_storage_containers(*text)) storage_names_.emplace(std::move(id), std::move(name));
  for (auto it = known_.begin(); it != known_.end();)
    it = now_ns - it->second.used_ns > kForgetNs ? known_.erase(it) : std::next(it);
  read_ = true;
  read_ns_ = now_ns;
}

ContainerNaming RuntimeNames::resolve(const ContainerInfo& c) const {
  ContainerNaming n;
  if (auto it = kubelet_containers_.find(c.id); it != kubelet_containers_.end()) merge_naming(n, it->second);
  // The id comes from a cgroup name; checked again before it makes a path.
  if (!names_whole(n, c) && is_container_id(c.id)) {
    if (auto text = read_bounded(path("var/lib/docker/containers/" + c.id + "/config.v2.json"), kMaxContainerFile))
      if (auto d = parse_docker_config(*text)) merge_naming(n, *d);
    if (!names_whole(n, c))
      if (auto text = read_bounded(path("var/lib/containers/storage/overlay-containers/" + c.id + "/userdata/config.json"),
                                   kMaxContainerFile))
        if (auto o = parse_crio_config(*text)) merge_naming(n, *o);
  }
  if (n.name.empty())
    if (auto it = storage_names_.find(c.id); it != storage_names_.end()) n.name = it->second;
  if (n.pod_name.empty() && !c.pod_uid.empty())
    if (auto it = kubelet_pods_.find(c.pod_uid); it != kubelet_pods_.end()) {
      n.pod_name = it->second.pod_name;
      n.pod_namespace = it->second.pod_namespace;
    }
  return n;
}

ContainerNaming RuntimeNames::lookup(const ContainerInfo& c, uint64_t now_ns) {
  std::string key = c.id + "/" + c.pod_uid;
  if (auto it = known_.find(key); it != known_.end()) {
    it->second.used_ns = now_ns;
    if (names_whole(it->second.naming, c) || now_ns - it->second.read_ns < min_reread_ns_) return it->second.naming;
  }
  if (!read_ || now_ns - read_ns_ >= min_reread_ns_) reread(now_ns);
  Known& k = known_[key];
  k.naming = resolve(c);
  k.read_ns = now_ns;
  k.used_ns = now_ns;
  return k.naming;
}

void RuntimeNames::fill(ContainerInfo& c, uint64_t now_ns) {
  ContainerNaming n = lookup(c, now_ns);
  if (c.name.empty()) c.name = n.name;
  if (c.pod_name.empty() && !n.pod_name.empty()) {
    c.pod_name = n.pod_name;
    c.pod_namespace = n.pod_namespace;
  }
}

}  // namespace socktrace
