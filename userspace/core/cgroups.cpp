#include "core/cgroups.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"

namespace socktrace {

namespace fs = std::filesystem;

namespace {

bool is_hex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

bool is_id(std::string_view s) { return s.size() == 64 && is_hex(s); }

// /proc/mounts escapes blanks, tabs, newlines and backslashes as \ooo.
std::string unescape_mount(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isdigit(static_cast<unsigned char>(s[i + 2])) && std::isdigit(static_cast<unsigned char>(s[i + 3]))) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct Named {
  std::string runtime;
  std::string id;
};

// Does one path component name a container? `under_docker`: an earlier
// component is "docker" (Docker's cgroupfs driver puts containers there).
std::optional<Named> component_container(std::string_view name, bool under_docker) {
  std::string_view base = name;
  if (base.ends_with(".scope")) base.remove_suffix(6);
  static constexpr std::pair<std::string_view, std::string_view> kPrefixes[] = {
      {"docker-", "docker"},          {"cri-containerd-", "containerd"}, {"crio-", "cri-o"},
      {"libpod-", "podman"},          {"containerd-", "containerd"},
  };
  for (auto [prefix, runtime] : kPrefixes) {
    // crio-conmon-ID and libpod-conmon-ID are not hex after the prefix.
    if (base.starts_with(prefix) && is_id(base.substr(prefix.size())))
      return Named{std::string(runtime), std::string(base.substr(prefix.size()))};
  }
  if (is_id(name)) return Named{under_docker ? "docker" : "containerd", std::string(name)};
  return std::nullopt;
}

// "kubepods-burstable-pod<uid_with_underscores>.slice" or "pod<uid>".
std::optional<std::string> component_pod(std::string_view name) {
  std::string_view uid;
  if (name.starts_with("kubepods") && name.ends_with(".slice")) {
    auto at = name.rfind("-pod");
    if (at == std::string_view::npos) return std::nullopt;
    uid = name.substr(at + 4, name.size() - 6 - (at + 4));
  } else if (name.starts_with("pod")) {
    uid = name.substr(3);
  } else {
    return std::nullopt;
  }
  std::string out(uid);
  std::replace(out.begin(), out.end(), '_', '-');
  if (out.size() != 36) return std::nullopt;
  for (std::size_t i = 0; i < out.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? out[i] != '-' : !std::isxdigit(static_cast<unsigned char>(out[i]))) return std::nullopt;
  }
  return out;
}

std::vector<std::string_view> components(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    auto slash = path.find('/');
    std::string_view c = path.substr(0, slash);
    if (!c.empty()) out.push_back(c);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool real_dir(const fs::directory_entry& e) {
  std::error_code ec;
  return e.is_directory(ec) && !e.is_symlink(ec);
}

void scan(const fs::path& dir, const std::string& rel, int depth, int max_depth, bool under_docker,
          std::string_view prefix, std::vector<ContainerCgroup>& out) {
  if (depth > max_depth) return;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!real_dir(*it)) continue;
    std::string name = it->path().filename().string();
    std::string child_rel = rel + "/" + name;
    if (auto named = component_container(name, under_docker)) {
      if (named->id.starts_with(prefix)) {
        ContainerCgroup c;
        c.path = it->path().string();
        c.info = *container_of_cgroup(child_rel);
        out.push_back(std::move(c));
      }
      continue;  // a container's own sub-cgroups are that container's
    }
    scan(it->path(), child_rel, depth + 1, max_depth, under_docker || name == "docker", prefix, out);
  }
}

}  // namespace

std::optional<std::string> cgroup2_mount(std::string_view mounts) {
  std::istringstream in{std::string(mounts)};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string dev, dir, type;
    if (fields >> dev >> dir >> type && type == "cgroup2") return unescape_mount(dir);
  }
  return std::nullopt;
}

std::optional<ContainerInfo> container_of_cgroup(std::string_view path) {
  std::optional<ContainerInfo> out;
  std::string pod;
  bool under_docker = false;
  for (std::string_view c : components(path)) {
    if (auto p = component_pod(c)) pod = *p;
    if (auto named = component_container(c, under_docker)) {
      out = ContainerInfo{named->runtime, named->id, ""};
    }
    if (c == "docker") under_docker = true;
  }
  if (out) out->pod_uid = pod;
  return out;
}

std::vector<ContainerCgroup> find_containers(const std::string& root, std::string_view prefix, int max_depth) {
  std::vector<ContainerCgroup> out;
  scan(root, "", 0, max_depth, false, prefix, out);
  std::sort(out.begin(), out.end(), [](const ContainerCgroup& a, const ContainerCgroup& b) { return a.path < b.path; });
  return out;
}

std::vector<ContainerCgroup> resolve_container(const std::string& root, std::string_view id) {
  std::string prefix(id);
  std::transform(prefix.begin(), prefix.end(), prefix.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  if (!is_hex(prefix) || prefix.size() > 64)
    throw UsageError(fmt::format("--container '{}': give a container id (hex digits, whole or a unique prefix) as "
                                 "'docker ps', 'crictl ps' or 'podman ps' shows it",
                                 id));
  std::vector<ContainerCgroup> found = find_containers(root, prefix);
  if (found.empty())
    throw UsageError(fmt::format("--container '{}': no container with that id in the cgroup v2 hierarchy at {} "
                                 "(Docker, containerd/CRI, CRI-O and Podman cgroups searched); check the id with "
                                 "'docker ps', 'crictl ps' or 'podman ps'",
                                 id, root));
  std::set<std::pair<std::string, std::string>> ids;
  for (const auto& c : found) ids.insert({c.info.id, c.info.runtime});
  if (ids.size() > 1) {
    std::string list;
    for (const auto& [cid, runtime] : ids) list += fmt::format("{}{} ({})", list.empty() ? "" : ", ", cid, runtime);
    throw UsageError(fmt::format("--container '{}' is ambiguous: {} containers match: {}; give more of the id", id,
                                 ids.size(), list));
  }
  return found;
}

void CgroupNames::rescan() {
  by_id_.clear();
  paths_.clear();
  std::error_code ec;
  auto add = [&](const fs::path& p, const std::string& rel) {
    struct stat st{};
    if (stat(p.c_str(), &st) != 0) return;
    by_id_[st.st_ino] = container_of_cgroup(rel);
    paths_[st.st_ino] = rel;
  };
  add(root_, "/");
  fs::path root(root_);
  for (fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    if (!real_dir(*it)) {
      it.disable_recursion_pending();
      continue;
    }
    if (it.depth() >= 32) it.disable_recursion_pending();
    // append, not "/" + ...: GCC 12 warns falsely (-Wrestrict) on the latter.
    std::string rel = "/";
    rel.append(it->path().lexically_relative(root).string());
    add(it->path(), rel);
  }
  scanned_ = true;
}

void CgroupNames::find(uint64_t cgroup_id, uint64_t now_ns) {
  if (by_id_.count(cgroup_id) || (scanned_ && now_ns - last_scan_ns_ < min_rescan_ns_)) return;
  rescan();
  last_scan_ns_ = now_ns;
}

const ContainerInfo* CgroupNames::lookup(uint64_t cgroup_id, uint64_t now_ns) {
  find(cgroup_id, now_ns);
  auto it = by_id_.find(cgroup_id);
  if (it == by_id_.end() || !it->second) return nullptr;
  ContainerInfo& c = *it->second;
  if (namer_ && (c.name.empty() || (!c.pod_uid.empty() && c.pod_name.empty()))) {
    // Asked once per event otherwise: a container nothing names would cost
    // every event of it a lookup by string.
    auto [asked, first] = name_asked_ns_.try_emplace(cgroup_id, now_ns);
    if (first || now_ns - asked->second >= kNameRetryNs) {
      asked->second = now_ns;
      namer_(c, now_ns);
    }
  }
  return &c;
}

std::string CgroupNames::path(uint64_t cgroup_id, uint64_t now_ns) {
  find(cgroup_id, now_ns);
  auto it = paths_.find(cgroup_id);
  return it == paths_.end() ? std::string() : it->second;
}

}  // namespace socktrace
