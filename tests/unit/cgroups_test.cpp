// Container ids from cgroup paths, and --container resolution against
// fixture trees laid out as each runtime and cgroup driver lays them out.
#include "core/cgroups.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.h"
#include "../support/files.h"

namespace socktrace {
namespace {

namespace fs = std::filesystem;

// A 64-hex-digit id starting with `head`.
std::string id_of(const std::string& head, char fill = '0') { return head + std::string(64 - head.size(), fill); }

const std::string kDocker = id_of("d0c4e7");
const std::string kDockerCgroupfs = id_of("d0c4f0");
const std::string kCri = id_of("c0a7a1");
const std::string kCriCgroupfs = id_of("c0a7b2");
const std::string kCrio = id_of("c410a0");
const std::string kCrioCgroupfs = id_of("c410b1");
const std::string kPodman = id_of("90d3a0");
const std::string kPodmanCgroupfs = id_of("90d3b1");
const std::string kPodmanRootless = id_of("90d3c2");
const std::string kNerdctl = id_of("4e7dc7");
const std::string kPodUid = "8d5f2c1a-3b4e-4f60-9a7b-0c1d2e3f4a5b";
const std::string kPodUidSlice = "8d5f2c1a_3b4e_4f60_9a7b_0c1d2e3f4a5b";
const std::string kPodUid2 = "11111111-2222-3333-4444-555555555555";

class ContainerResolution : public ::testing::Test {
 protected:
  std::string mk(const std::string& rel) {
    fs::create_directories(root_ + rel);
    return root_ + rel;
  }
  // Every runtime and driver at once, plus what must not count.
  void all_runtimes() {
    mk("/system.slice/docker-" + kDocker + ".scope");
    mk("/docker/" + kDockerCgroupfs);
    mk("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kPodUidSlice + ".slice/cri-containerd-" +
       kCri + ".scope");
    mk("/kubepods/besteffort/pod" + kPodUid2 + "/" + kCriCgroupfs);
    mk("/kubepods.slice/kubepods-pod" + kPodUidSlice + ".slice/crio-" + kCrio + ".scope");
    mk("/kubepods.slice/kubepods-pod" + kPodUidSlice + ".slice/crio-conmon-" + kCrio + ".scope");
    mk("/kubepods/pod" + kPodUid2 + "/crio-" + kCrioCgroupfs);
    mk("/machine.slice/libpod-" + kPodman + ".scope/container");
    mk("/machine.slice/libpod-conmon-" + kPodman + ".scope");
    mk("/libpod_parent/libpod-" + kPodmanCgroupfs);
    mk("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + kPodmanRootless + ".scope");
    mk("/system.slice/nerdctl.service");
    mk("/default/" + kNerdctl);
    mk("/system.slice/ssh.service");
  }
  testing::TempDir tmp_;
  const std::string root_ = tmp_.dir();
};

TEST(Cgroup2Mount, FirstCgroup2LineWins) {
  const char* mounts =
      "tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0\n"
      "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n"
      "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n"
      "cgroup2 /mnt/other cgroup2 rw 0 0\n";
  EXPECT_EQ(cgroup2_mount(mounts), "/sys/fs/cgroup/unified");
  EXPECT_EQ(cgroup2_mount("cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\n"), "/sys/fs/cgroup");
  EXPECT_EQ(cgroup2_mount("none /my\\040cgroups cgroup2 rw 0 0\n"), "/my cgroups");
  EXPECT_EQ(cgroup2_mount("cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n"), std::nullopt);
}

TEST(ContainerOfCgroup, EveryRuntimeAndDriver) {
  struct Case {
    std::string path, runtime, id, pod;
  } cases[] = {
      {"/system.slice/docker-" + kDocker + ".scope", "docker", kDocker, ""},
      {"/docker/" + kDockerCgroupfs, "docker", kDockerCgroupfs, ""},
      {"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kPodUidSlice + ".slice/cri-containerd-" +
           kCri + ".scope",
       "containerd", kCri, kPodUid},
      {"/kubepods/besteffort/pod" + kPodUid2 + "/" + kCriCgroupfs, "containerd", kCriCgroupfs, kPodUid2},
      {"/kubepods.slice/kubepods-pod" + kPodUidSlice + ".slice/crio-" + kCrio + ".scope", "cri-o", kCrio, kPodUid},
      {"/kubepods/pod" + kPodUid2 + "/crio-" + kCrioCgroupfs, "cri-o", kCrioCgroupfs, kPodUid2},
      {"/machine.slice/libpod-" + kPodman + ".scope", "podman", kPodman, ""},
      {"/libpod_parent/libpod-" + kPodmanCgroupfs, "podman", kPodmanCgroupfs, ""},
      {"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + kPodmanRootless + ".scope", "podman",
       kPodmanRootless, ""},
      {"/system.slice/containerd-" + kNerdctl + ".scope", "containerd", kNerdctl, ""},
      {"/default/" + kNerdctl, "containerd", kNerdctl, ""},
  };
  for (const auto& c : cases) {
    auto info = container_of_cgroup(c.path);
    ASSERT_TRUE(info) << c.path;
    EXPECT_EQ(info->runtime, c.runtime) << c.path;
    EXPECT_EQ(info->id, c.id) << c.path;
    EXPECT_EQ(info->pod_uid, c.pod) << c.path;
  }
}

TEST(ContainerOfCgroup, BelowAContainerIsThatContainer) {
  auto info = container_of_cgroup("/machine.slice/libpod-" + kPodman + ".scope/container/init.scope");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->id, kPodman);
}

TEST(ContainerOfCgroup, NoContainer) {
  for (std::string path : std::vector<std::string>{"/", "/system.slice/ssh.service", "/user.slice/user-1000.slice/session-3.scope",
                           "/machine.slice/libpod-conmon-" + kPodman + ".scope",
                           "/kubepods.slice/kubepods-pod" + kPodUidSlice + ".slice/crio-conmon-" + kCrio + ".scope",
                           "/system.slice/docker-" + kDocker.substr(0, 63) + ".scope",
                           "/docker/" + std::string(64, 'g')})
    EXPECT_FALSE(container_of_cgroup(path)) << path;
  // A pod's own slice is no container, only its containers are.
  EXPECT_FALSE(container_of_cgroup("/kubepods.slice/kubepods-pod" + kPodUidSlice + ".slice"));
}

TEST_F(ContainerResolution, ResolvesEveryRuntimeByFullIdAndPrefix) {
  all_runtimes();
  struct Case {
    std::string id, rel, runtime;
  } cases[] = {
      {kDocker, "/system.slice/docker-" + kDocker + ".scope", "docker"},
      {kDockerCgroupfs, "/docker/" + kDockerCgroupfs, "docker"},
      {kCri,
       "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kPodUidSlice + ".slice/cri-containerd-" +
           kCri + ".scope",
       "containerd"},
      {kCriCgroupfs, "/kubepods/besteffort/pod" + kPodUid2 + "/" + kCriCgroupfs, "containerd"},
      {kCrio, "/kubepods.slice/kubepods-pod" + kPodUidSlice + ".slice/crio-" + kCrio + ".scope", "cri-o"},
      {kCrioCgroupfs, "/kubepods/pod" + kPodUid2 + "/crio-" + kCrioCgroupfs, "cri-o"},
      {kPodman, "/machine.slice/libpod-" + kPodman + ".scope", "podman"},
      {kPodmanCgroupfs, "/libpod_parent/libpod-" + kPodmanCgroupfs, "podman"},
      {kPodmanRootless, "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + kPodmanRootless + ".scope",
       "podman"},
      {kNerdctl, "/default/" + kNerdctl, "containerd"},
  };
  for (const auto& c : cases) {
    for (std::string given : std::vector<std::string>{c.id, c.id.substr(0, 6), c.id.substr(0, 12)}) {
      std::vector<ContainerCgroup> found;
      ASSERT_NO_THROW(found = resolve_container(root_, given)) << given;
      ASSERT_EQ(found.size(), 1u) << given;
      EXPECT_EQ(found[0].path, root_ + c.rel) << given;
      EXPECT_EQ(found[0].info.runtime, c.runtime) << given;
      EXPECT_EQ(found[0].info.id, c.id) << given;
    }
  }
  // Upper case, as some tools print ids, is the same id.
  EXPECT_EQ(resolve_container(root_, "D0C4E7").at(0).info.id, kDocker);
}

TEST_F(ContainerResolution, ConmonIsNotTheContainer) {
  all_runtimes();
  // crio-conmon-ID and libpod-conmon-ID carry the same id: only the
  // container's own cgroup is found.
  auto crio = resolve_container(root_, kCrio);
  ASSERT_EQ(crio.size(), 1u);
  EXPECT_TRUE(crio[0].path.ends_with("/crio-" + kCrio + ".scope"));
  auto podman = find_containers(root_, kPodman.substr(0, 8));
  ASSERT_EQ(podman.size(), 1u);
  EXPECT_TRUE(podman[0].path.ends_with("/libpod-" + kPodman + ".scope")) << podman[0].path;
  EXPECT_EQ(podman[0].info.pod_uid, "");
}

TEST_F(ContainerResolution, PodUidFromTheSliceOrDirectory) {
  all_runtimes();
  EXPECT_EQ(resolve_container(root_, kCri).at(0).info.pod_uid, kPodUid);
  EXPECT_EQ(resolve_container(root_, kCriCgroupfs).at(0).info.pod_uid, kPodUid2);
}

TEST_F(ContainerResolution, ListsEveryContainerOnce) {
  all_runtimes();
  EXPECT_EQ(find_containers(root_, "").size(), 10u);
}

std::string usage_error(const std::string& root, const std::string& id) {
  try {
    resolve_container(root, id);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST_F(ContainerResolution, AmbiguousPrefixListsTheMatches) {
  all_runtimes();
  // d0c4e7... and d0c4f0... both start with d0c4.
  std::string err = usage_error(root_, "d0c4");
  EXPECT_NE(err.find("ambiguous"), std::string::npos) << err;
  EXPECT_NE(err.find(kDocker + " (docker)"), std::string::npos) << err;
  EXPECT_NE(err.find(kDockerCgroupfs + " (docker)"), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos) << err;
  // Across runtimes too: c0a7 (containerd) and c410 (cri-o) share "c".
  err = usage_error(root_, "c");
  EXPECT_NE(err.find("4 containers match"), std::string::npos) << err;
}

TEST_F(ContainerResolution, NoMatchAndBadIds) {
  all_runtimes();
  std::string err = usage_error(root_, "abcdef");
  EXPECT_NE(err.find("no container"), std::string::npos) << err;
  EXPECT_NE(err.find(root_), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos) << err;
  for (std::string bad : std::vector<std::string>{"", "xyz", "my-container", kDocker + "0"}) {
    err = usage_error(root_, bad);
    EXPECT_NE(err.find("hex digits"), std::string::npos) << bad << ": " << err;
  }
  // An empty hierarchy has no containers at all.
  EXPECT_NE(usage_error(mk("/empty"), "d0c4").find("no container"), std::string::npos);
}

TEST_F(ContainerResolution, CgroupNamesByDirectoryInode) {
  all_runtimes();
  auto ino = [](const std::string& path) {
    struct stat st{};
    EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
    return static_cast<uint64_t>(st.st_ino);
  };
  CgroupNames names(root_, 1'000'000'000);
  uint64_t t = 5'000'000'000;
  const ContainerInfo* c = names.lookup(ino(root_ + "/kubepods/pod" + kPodUid2 + "/crio-" + kCrioCgroupfs), t);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->id, kCrioCgroupfs);
  EXPECT_EQ(c->runtime, "cri-o");
  EXPECT_EQ(c->pod_uid, kPodUid2);
  // Below a container: the container's.
  c = names.lookup(ino(root_ + "/machine.slice/libpod-" + kPodman + ".scope/container"), t);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->id, kPodman);
  EXPECT_EQ(names.lookup(ino(root_ + "/system.slice/ssh.service"), t), nullptr);
  EXPECT_EQ(names.lookup(ino(root_), t), nullptr);

  // A container started later is found by the rescan a miss triggers, once
  // the rate limit allows it.
  std::string later = mk("/system.slice/docker-" + id_of("1a7e") + ".scope");
  EXPECT_EQ(names.lookup(ino(later), t + 1), nullptr);
  c = names.lookup(ino(later), t + 1'000'000'000);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->id, id_of("1a7e"));
}

}  // namespace
}  // namespace socktrace
