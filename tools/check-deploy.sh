#!/usr/bin/env bash
# Test: the fleet examples in deploy/ are what they claim to be.
#   tools/check-deploy.sh
# Every YAML file parses; the Kubernetes objects have the fields that make
# socktrace work (hostPID, hostNetwork, capabilities rather than privileged,
# the mounts; the integration test PrometheusScrape runs the DaemonSet's
# command for real); the
# Grafana dashboard is JSON with a query per panel; promtool accepts the
# scrape config and the alert rules and passes their unit tests; the Zabbix
# template is a Zabbix 6.0 export whose item keys the UserParameter file
# defines. Needs python3 with yaml (python3-yaml), jq, promtool (prometheus).
set -uo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
cd "$src/deploy" || exit 1
py=/usr/bin/python3
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }

"$py" - <<'PY' || fail=1
import glob, sys, yaml
ok = True
def bad(msg):
    global ok
    ok = False
    print("FAIL: " + msg, file=sys.stderr)
docs = {}
for f in sorted(glob.glob("**/*.y*ml", recursive=True)):
    try:
        docs[f] = [d for d in yaml.safe_load_all(open(f)) if d is not None]
    except yaml.YAMLError as e:
        bad(f"{f}: not YAML: {e}")
kinds = {d.get("kind"): d for f in glob.glob("kubernetes/*.yaml") for d in docs.get(f, [])}
for k in ("Namespace", "DaemonSet", "Service", "PodMonitor"):
    if k not in kinds: bad(f"kubernetes/: no {k}")
ds = kinds.get("DaemonSet")
if ds:
    spec = ds["spec"]["template"]["spec"]
    if spec.get("hostPID") is not True: bad("DaemonSet: hostPID is not true")
    if spec.get("hostNetwork") is not True: bad("DaemonSet: hostNetwork is not true (sock_diag would count the pod's sockets only)")
    c = spec["containers"][0]
    sc = c.get("securityContext", {})
    if sc.get("privileged") is not False: bad("DaemonSet: privileged is not false")
    caps = set(sc.get("capabilities", {}).get("add", []))
    for need in ("BPF", "PERFMON"):
        if need not in caps: bad(f"DaemonSet: capability {need} missing")
    mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
    for need in ("/sys/kernel/btf", "/sys/kernel/tracing", "/sys/fs/cgroup", "/var/log/socktrace"):
        if need not in mounts: bad(f"DaemonSet: no mount at {need}")
    # --host-root: the node's runtime state, read-only, under that root in
    # every container that names containers; never created for socktrace.
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    for each in spec["containers"]:
        args = each["command"]
        if "--host-root" not in args: continue
        root = args[args.index("--host-root") + 1]
        mine = {m["mountPath"]: m for m in each.get("volumeMounts", [])}
        for d in ("/var/log/pods", "/var/log/containers", "/var/lib/docker/containers"):
            m = mine.get(root + d)
            if not m: bad(f"DaemonSet {each['name']}: --host-root {root} without {d} mounted at {root + d}")
            elif m.get("readOnly") is not True: bad(f"DaemonSet {each['name']}: {root + d} is not read-only")
            elif vols.get(m["name"], {}).get("hostPath", {}).get("path") != d:
                bad(f"DaemonSet {each['name']}: {root + d} is not the node's {d}")
            elif vols[m["name"]]["hostPath"].get("type", "") != "":
                bad(f"DaemonSet: hostPath {d} has a type (DirectoryOrCreate would create it, Directory require it)")
    cmd = c["command"]
    if cmd[0] != "/usr/sbin/socktrace": bad(f"DaemonSet: command runs {cmd[0]}, not the installed /usr/sbin/socktrace")
    if "--metrics" not in cmd or cmd[cmd.index("--metrics") + 1] != "0.0.0.0:9464":
        bad("DaemonSet: not serving metrics on 0.0.0.0:9464")
    port = c["ports"][0]
    if port.get("containerPort") != 9464 or port.get("name") != "metrics": bad("DaemonSet: port 9464 is not named metrics")
    labels = ds["spec"]["template"]["metadata"]["labels"]
    svc = kinds.get("Service")
    if svc and any(labels.get(k) != v for k, v in svc["spec"]["selector"].items()): bad("Service selects no DaemonSet pod")
    pm = kinds.get("PodMonitor")
    if pm:
        if any(labels.get(k) != v for k, v in pm["spec"]["selector"]["matchLabels"].items()): bad("PodMonitor selects no DaemonSet pod")
        if pm["spec"]["podMetricsEndpoints"][0]["port"] != "metrics": bad("PodMonitor scrapes no port named metrics")
ks = docs.get("prometheus/prometheus-kubernetes.yml", [{}])[0]
if not ks.get("scrape_configs"): bad("prometheus-kubernetes.yml has no scrape_configs")
z = docs.get("zabbix/socktrace-template.yaml", [{}])[0]
exp = z.get("zabbix_export", {})
if str(exp.get("version")) != "6.0": bad("zabbix template: zabbix_export.version is not 6.0")
keys = set()
for t in exp.get("templates", []):
    for it in t.get("items", []):
        if it.get("type", "ZABBIX_PASSIVE") != "DEPENDENT": keys.add(it["key"].split("[")[0])
        elif it.get("master_item", {}).get("key") not in {i["key"] for i in t["items"]}:
            bad(f"zabbix template: {it['key']} depends on a missing master item")
params = set()
for line in open("zabbix/userparameter_socktrace.conf"):
    if line.startswith("UserParameter="):
        params.add(line.split("=", 1)[1].split(",", 1)[0].split("[")[0])
agent_keys = {k for k in keys if k.startswith("socktrace.")}
if not agent_keys: bad("zabbix template: no socktrace.* item")
for k in agent_keys - params: bad(f"zabbix template item {k} has no UserParameter")
sys.exit(0 if ok else 1)
PY

n=$(jq -e '[.panels[] | select((.targets // []) | length > 0)] | length' grafana/socktrace-dashboard.json) ||
  bad "grafana/socktrace-dashboard.json is not JSON"
total=$(jq '.panels | length' grafana/socktrace-dashboard.json 2>/dev/null)
[[ $n == "$total" && $n -gt 0 ]] || bad "grafana: $n of $total panels have a query"

promtool check config prometheus/prometheus.yml >/dev/null || bad "promtool check config prometheus/prometheus.yml"
promtool check rules prometheus/socktrace-alerts.yml >/dev/null || bad "promtool check rules"
(cd prometheus && promtool test rules socktrace-alerts-test.yml) || bad "promtool test rules"
((fail)) || echo "deploy/: YAML, Kubernetes objects, dashboard, Prometheus config, rules and their tests, Zabbix template: ok"
exit $fail
