// Container and pod names from the runtimes' state on disk: the JSON reader,
// each source's parser, and RuntimeNames against fake host roots laid out as
// the kubelet, Docker, Podman and CRI-O lay them out, with malformed,
// hostile and missing files.
#include "core/runtime_names.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/json_read.h"
#include "../support/files.h"

namespace socktrace {
namespace {

namespace fs = std::filesystem;

const std::string kNginxId = "c9e1" + std::string(60, '4');
const std::string kRedisId = "d0c4" + std::string(60, '5');
const std::string kWebId = "90d3" + std::string(60, '6');
const std::string kCrioId = "c410" + std::string(60, '7');
const std::string kShimId = "5e11" + std::string(60, '8');
const std::string kWebPodUid = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const std::string kLonePodUid = "11111111-2222-4333-8444-555555555555";

// Reads one value of `text` entirely with skip(): did it parse?
bool json_valid(std::string_view text, int depth = 64) {
  JsonReader r(text, depth);
  return r.skip() && r.end();
}

std::string json_string_of(std::string_view text) {
  JsonReader r(text);
  std::string out;
  EXPECT_TRUE(r.string(out) && r.end()) << text;
  return out;
}

TEST(JsonReader, AcceptsWhatRfc8259Allows) {
  for (std::string_view ok : {"{}", "[]", " {\"a\" : [1, -2.5e+3, 0, 0.1E-2, true, false, null, \"x\"]}\n", "\"\"",
                              "-0", "12345678901234567890", "{\"a\":{\"a\":{}} ,\"b\":[[]]}"})
    EXPECT_TRUE(json_valid(ok)) << ok;
  EXPECT_EQ(json_string_of(R"("a\"b\\c\/d\n\t\u00e9\u20ac\ud83d\ude00")"), "a\"b\\c/d\n\t\u00e9\u20ac\U0001F600");
  EXPECT_EQ(json_string_of("\"caf\xc3\xa9\""), "caf\xc3\xa9");
}

TEST(JsonReader, RejectsWhatItDoesNot) {
  for (std::string_view bad :
       {"", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "-", "1.", ".5", "1e", "+1", "tru", "nul",
        "\"abc", "\"\\x\"", "\"\\u12G4\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"a\nb\"",
        "\"\xc3\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf5\x80\x80\x80\"", "{} {}", "[1] x", "NaN", "'a'"})
    EXPECT_FALSE(json_valid(bad)) << bad;
}

TEST(JsonReader, NestsAtMostMaxDepth) {
  std::string deep = std::string(64, '[') + std::string(64, ']');
  EXPECT_TRUE(json_valid(deep));
  EXPECT_FALSE(json_valid("[" + deep + "]"));
  // Far deeper than any stack would take, were it followed.
  EXPECT_FALSE(json_valid(std::string(1'000'000, '[')));
  EXPECT_FALSE(json_valid(std::string(500'000, '{')));
}

TEST(JsonReader, ErrorsStick) {
  JsonReader r("[1, x]");
  EXPECT_FALSE(r.skip());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.next(), JsonReader::Kind::kInvalid);
  std::string s;
  EXPECT_FALSE(r.string(s));
  EXPECT_FALSE(r.end());
}

// A Docker config.v2.json as dockerd writes it (trimmed).
std::string docker_config(const std::string& id, const std::string& name, const std::string& labels = "{}") {
  return R"({"StreamConfig":{},"State":{"Running":true,"Pid":4242,"StartedAt":"2024-05-01T10:00:00.1Z"},"ID":")" + id +
         R"(","Created":"2024-05-01T10:00:00Z","Path":"nginx","Args":["-g","daemon off;"],"Config":{"Hostname":"c9e1",)"
         R"("Env":["PATH=/usr/bin","A=\"quoted\" \u00e9"],"Cmd":null,"Image":"nginx:1.25","Labels":)" +
         labels + R"(},"Image":"sha256:ab","Name":")" + name + R"(","RestartCount":0,"HostConfig":{"CpuShares":0.5}})";
}

TEST(RuntimeNameParsers, DockerConfigName) {
  auto n = parse_docker_config(docker_config(kRedisId, "/redis-cache"));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->name, "redis-cache");
  EXPECT_EQ(n->pod_name, "");
  // Labels null (docker create --label none) is no object to read.
  EXPECT_EQ(parse_docker_config(docker_config(kRedisId, "/r", "null"))->name, "r");
}

TEST(RuntimeNameParsers, DockershimLabelsNameTheKubernetesContainer) {
  std::string labels = R"({"io.kubernetes.container.name":"nginx","io.kubernetes.pod.name":"web-7f9c",)"
                       R"("io.kubernetes.pod.namespace":"shop","io.kubernetes.pod.uid":")" +
                       kWebPodUid + R"(","other":{"nested":[1]}})";
  auto n = parse_docker_config(docker_config(kShimId, "/k8s_nginx_web-7f9c_shop_" + kWebPodUid + "_0", labels));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->name, "nginx");
  EXPECT_EQ(n->pod_name, "web-7f9c");
  EXPECT_EQ(n->pod_namespace, "shop");
  // A pod without its namespace is not named.
  auto half = parse_docker_config(docker_config(kShimId, "/x", R"({"io.kubernetes.pod.name":"web"})"));
  ASSERT_TRUE(half);
  EXPECT_EQ(half->name, "x");
  EXPECT_EQ(half->pod_name, "");
}

TEST(RuntimeNameParsers, NamesNoRuntimeGivesAreNotKept) {
  for (std::string name : std::vector<std::string>{"/", "", "/a b", "/a\\nb", "/../../etc", "/x\\u001b[31m", "/\\u00e9t\\u00e9",
                           "/" + std::string(254, 'a')})
    EXPECT_FALSE(parse_docker_config(docker_config(kRedisId, name))) << name;
  EXPECT_TRUE(parse_docker_config(docker_config(kRedisId, "/" + std::string(253, 'a'))));
}

TEST(RuntimeNameParsers, MalformedDockerConfigNamesNothing) {
  std::string good = docker_config(kRedisId, "/redis");
  ASSERT_TRUE(parse_docker_config(good));
  // Every truncation (a file caught half-written) is refused.
  for (std::size_t n = 0; n < good.size(); ++n) EXPECT_FALSE(parse_docker_config(good.substr(0, n))) << n;
  for (std::string_view bad : {"[]", "\"Name\"", "{\"Name\":\"/a\"} trailing", "{\"Name\":42}", "null"})
    EXPECT_FALSE(parse_docker_config(bad)) << bad;
}

TEST(RuntimeNameParsers, CrioConfigAnnotations) {
  std::string config = R"({"ociVersion":"1.0.2","process":{"args":["/bin/sh"]},"annotations":{)"
                       R"("io.container.manager":"cri-o","io.kubernetes.container.name":"sidecar",)"
                       R"("io.kubernetes.pod.name":"api-5d8b","io.kubernetes.pod.namespace":"payments"}})";
  auto n = parse_crio_config(config);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->name, "sidecar");
  EXPECT_EQ(n->pod_name, "api-5d8b");
  EXPECT_EQ(n->pod_namespace, "payments");
  EXPECT_FALSE(parse_crio_config(R"({"annotations":{}})"));
  EXPECT_FALSE(parse_crio_config(R"({"annotations":["io.kubernetes.container.name"]})"));
  EXPECT_FALSE(parse_crio_config(config.substr(0, config.size() - 1)));
}

TEST(RuntimeNameParsers, StorageContainersFirstNames) {
  std::string json = R"([{"id":")" + kWebId + R"(","names":["web","web-alias"],"image":"x","layer":"y",)"
                     R"("metadata":"{\"image-name\":\"nginx\"}","created":"2024-05-01T10:00:00Z","flags":{"MountLabel":""}},)"
                     R"({"id":"not-hex","names":["bad"]},{"id":")" +
                     kCrioId + R"(","names":[]},{"id":")" + kRedisId + R"(","names":["bad name"]},42,{"names":["x"]}])";
  auto v = parse_storage_containers(json);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].first, kWebId);
  EXPECT_EQ(v[0].second, "web");
  EXPECT_TRUE(parse_storage_containers(json.substr(0, json.size() - 1)).empty());
  EXPECT_TRUE(parse_storage_containers("{}").empty());
}

TEST(RuntimeNameParsers, KubeletLogNames) {
  auto pod = parse_pod_log_dir("shop_web-7f9c_" + kWebPodUid);
  ASSERT_TRUE(pod);
  EXPECT_EQ(pod->pod_namespace, "shop");
  EXPECT_EQ(pod->pod_name, "web-7f9c");
  EXPECT_EQ(pod->uid, kWebPodUid);
  for (std::string bad : std::vector<std::string>{"shop_web", "shop_web_notauid", "a_b_c_" + kWebPodUid, "_web_" + kWebPodUid,
                          "sh op_web_" + kWebPodUid, "shop_web_" + kWebPodUid.substr(1) + "x"})
    EXPECT_FALSE(parse_pod_log_dir(bad)) << bad;

  auto c = parse_container_log_name("web-7f9c_shop_nginx-" + kNginxId + ".log");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->id, kNginxId);
  EXPECT_EQ(c->naming.name, "nginx");
  EXPECT_EQ(c->naming.pod_name, "web-7f9c");
  EXPECT_EQ(c->naming.pod_namespace, "shop");
  // A container name with dashes: the id is the last 64 digits.
  EXPECT_EQ(parse_container_log_name("web_shop_log-shipper-" + kNginxId + ".log")->naming.name, "log-shipper");
  for (std::string bad : std::vector<std::string>{"web_shop_nginx-" + kNginxId, "web_shop_nginx-" + kNginxId + ".log.1",
                          "web_shop_nginx_" + kNginxId + ".log", "web_shop-" + kNginxId + ".log",
                          "web_shop_nginx-" + kNginxId.substr(1) + "X.log", "web_shop_-" + kNginxId + ".log",
                          "-" + kNginxId + ".log", ".log", ""})
    EXPECT_FALSE(parse_container_log_name(bad)) << bad;
}

// Random bytes, and valid documents with bytes flipped: no crash, no hang,
// and a name only when the text still reads as JSON.
TEST(RuntimeNameParsers, GarbageNeverCrashes) {
  std::mt19937 rng(21);
  std::string seeds[] = {docker_config(kRedisId, "/redis"),
                         R"({"annotations":{"io.kubernetes.container.name":"a","io.kubernetes.pod.name":"b"}})",
                         R"([{"id":")" + kWebId + R"(","names":["web"]}])"};
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    if (i % 2) {
      text = seeds[i % 3];
      for (int k = 0; k < 1 + i % 4; ++k) text[rng() % text.size()] = static_cast<char>(rng());
    } else {
      text.resize(rng() % 64);
      for (char& c : text) c = "{}[]\":,\\u0123456789.eE+-tfn \xc3\xa9"[rng() % 31];
    }
    auto d = parse_docker_config(text);
    auto o = parse_crio_config(text);
    auto s = parse_storage_containers(text);
    if (d || o || !s.empty()) {
      EXPECT_TRUE(json_valid(text)) << text;
    }
    if (d) {
      EXPECT_FALSE(d->name.empty() && d->pod_name.empty());
    }
  }
}

// A host root in a temp dir, filled as a node's runtimes fill theirs.
class FakeHostRoot : public ::testing::Test {
 protected:
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories(fs::path(root_ + rel).parent_path());
    std::ofstream(root_ + rel) << text;
  }
  void mkdir_p(const std::string& rel) { fs::create_directories(root_ + rel); }
  // The kubelet's log directory and link for a container of a pod.
  void kubelet_container(const std::string& ns, const std::string& pod, const std::string& uid,
                         const std::string& name, const std::string& id) {
    mkdir_p("/var/log/pods/" + ns + "_" + pod + "_" + uid + "/" + name);
    write("/var/log/pods/" + ns + "_" + pod + "_" + uid + "/" + name + "/0.log", "");
    mkdir_p("/var/log/containers");
    fs::create_symlink("/var/log/pods/" + ns + "_" + pod + "_" + uid + "/" + name + "/0.log",
                       root_ + "/var/log/containers/" + pod + "_" + ns + "_" + name + "-" + id + ".log");
  }
  static ContainerInfo info(const std::string& runtime, const std::string& id, const std::string& uid = "") {
    ContainerInfo c;
    c.runtime = runtime;
    c.id = id;
    c.pod_uid = uid;
    return c;
  }
  testing::TempDir tmp_;
  const std::string root_ = tmp_.dir();
};

TEST_F(FakeHostRoot, EveryLayoutNamesItsContainers) {
  kubelet_container("shop", "web-7f9c", kWebPodUid, "nginx", kNginxId);
  mkdir_p("/var/log/pods/kube-system_lonely_" + kLonePodUid);  // a pod whose container has no log link yet
  write("/var/lib/docker/containers/" + kRedisId + "/config.v2.json", docker_config(kRedisId, "/redis-cache"));
  write("/var/lib/containers/storage/overlay-containers/containers.json",
        R"([{"id":")" + kWebId + R"(","names":["frontend"]},{"id":")" + kCrioId + R"(","names":["k8s_api_x_y_z_0"]}])");
  write("/var/lib/containers/storage/overlay-containers/" + kCrioId + "/userdata/config.json",
        R"({"annotations":{"io.kubernetes.container.name":"api","io.kubernetes.pod.name":"api-5d8b",)"
        R"("io.kubernetes.pod.namespace":"payments"}})");
  RuntimeNames names(root_ + "/");

  ContainerNaming k = names.lookup(info("containerd", kNginxId, kWebPodUid), 1);
  EXPECT_EQ(k.name, "nginx");
  EXPECT_EQ(k.pod_name, "web-7f9c");
  EXPECT_EQ(k.pod_namespace, "shop");
  ContainerNaming d = names.lookup(info("docker", kRedisId), 1);
  EXPECT_EQ(d.name, "redis-cache");
  EXPECT_EQ(d.pod_name, "");
  EXPECT_EQ(names.lookup(info("podman", kWebId), 1).name, "frontend");
  // CRI-O: the annotations, not containers.json's k8s_... name.
  ContainerNaming o = names.lookup(info("cri-o", kCrioId, kLonePodUid), 1);
  EXPECT_EQ(o.name, "api");
  EXPECT_EQ(o.pod_name, "api-5d8b");
  EXPECT_EQ(o.pod_namespace, "payments");
  // The pause container of a pod: no name of its own, the pod's from its UID.
  ContainerNaming pause = names.lookup(info("containerd", std::string(64, 'e'), kLonePodUid), 1);
  EXPECT_EQ(pause.name, "");
  EXPECT_EQ(pause.pod_name, "lonely");
  EXPECT_EQ(pause.pod_namespace, "kube-system");
  // fill(): what CgroupNames hands the views.
  ContainerInfo c = info("containerd", kNginxId, kWebPodUid);
  names.fill(c, 1);
  EXPECT_EQ(c.name, "nginx");
  EXPECT_EQ(c.pod_name, "web-7f9c");
  EXPECT_EQ(c.pod_namespace, "shop");
  EXPECT_EQ(c.id, kNginxId);
}

TEST_F(FakeHostRoot, NothingThereNamesNothing) {
  RuntimeNames empty(root_);
  ContainerNaming n = empty.lookup(info("docker", kRedisId, kWebPodUid), 1);
  EXPECT_EQ(n.name, "");
  EXPECT_EQ(n.pod_name, "");
  RuntimeNames missing(root_ + "/does/not/exist");
  EXPECT_EQ(missing.lookup(info("containerd", kNginxId, kWebPodUid), 1).name, "");
}

TEST_F(FakeHostRoot, BrokenFilesNameNothingAndNeverHang) {
  // Malformed, oversized, a directory, a FIFO where files should be; a
  // link pointing nowhere; a non-hex id asked about (never made a path).
  write("/var/lib/docker/containers/" + kRedisId + "/config.v2.json", "{\"Name\":\"/redis\"");
  write("/var/lib/docker/containers/" + kWebId + "/config.v2.json",
        docker_config(kWebId, "/big", "{\"pad\":\"" + std::string(5u << 20, 'x') + "\"}"));
  mkdir_p("/var/lib/docker/containers/" + kNginxId + "/config.v2.json");
  mkdir_p("/var/lib/containers/storage/overlay-containers/" + kCrioId + "/userdata");
  ASSERT_EQ(mkfifo((root_ + "/var/lib/containers/storage/overlay-containers/" + kCrioId + "/userdata/config.json").c_str(),
                   0600),
            0);
  ASSERT_EQ(mkfifo((root_ + "/var/lib/containers/storage/overlay-containers/containers.json").c_str(), 0600), 0);
  mkdir_p("/var/log/containers");
  fs::create_symlink("/nowhere", root_ + "/var/log/containers/x_y_z-" + std::string(63, 'a') + ".log");
  write("/var/log/pods/not-a-pod-dir", "");
  RuntimeNames names(root_);
  auto start = std::chrono::steady_clock::now();
  for (const std::string& id : {kRedisId, kWebId, kNginxId, kCrioId, std::string("../../../etc/passwd")}) {
    ContainerNaming n = names.lookup(info("docker", id, kWebPodUid), 1);
    EXPECT_EQ(n.name, "") << id;
    EXPECT_EQ(n.pod_name, "") << id;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(FakeHostRoot, ReadsAgainAtMostEveryFewSecondsWhenANameIsMissing) {
  RuntimeNames names(root_, 2'000'000'000);
  ContainerInfo c = info("containerd", kNginxId, kWebPodUid);
  EXPECT_EQ(names.lookup(c, 1'000'000'000).name, "");
  kubelet_container("shop", "web-7f9c", kWebPodUid, "nginx", kNginxId);
  // Within the interval: the answer read a moment ago.
  EXPECT_EQ(names.lookup(c, 2'500'000'000).name, "");
  // After it: read again.
  EXPECT_EQ(names.lookup(c, 3'000'000'000).name, "nginx");
  // A name found is kept, even once its sources are gone.
  fs::remove_all(root_ + "/var/log");
  EXPECT_EQ(names.lookup(c, 9'000'000'000).pod_name, "web-7f9c");
  // A container seen for the first time reads its own files at once,
  // between two readings of the directories.
  write("/var/lib/docker/containers/" + kRedisId + "/config.v2.json", docker_config(kRedisId, "/redis"));
  EXPECT_EQ(names.lookup(info("docker", kRedisId), 9'000'000'001).name, "redis");
  write("/var/lib/docker/containers/" + kWebId + "/config.v2.json", docker_config(kWebId, "/web"));
  EXPECT_EQ(names.lookup(info("docker", kWebId), 9'000'000'002).name, "web");
}

}  // namespace
}  // namespace socktrace
