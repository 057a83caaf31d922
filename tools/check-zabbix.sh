#!/usr/bin/env bash
# Test: the Zabbix UserParameters run, and the template's items read the
# right numbers from them, with Debian's zabbix-agent (`zabbix_agentd -t KEY`
# runs one item locally, as the agent's user; no server needed).
#   tools/check-zabbix.sh SOCKTRACE_BINARY
# A loopback workload on a free port P holds 3 connections and one whose
# client closed; socktrace.check.port[P] through the agent, parsed by every
# REGEX of deploy/zabbix/socktrace-template.yaml, must give ESTABLISHED=6,
# LISTEN=1, CLOSE_WAIT=1, FIN_WAIT2=1, as `ss` counts them.
set -uo pipefail
(($# == 1)) || { echo "usage: tools/check-zabbix.sh SOCKTRACE_BINARY" >&2; exit 2; }
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src="$(cd "$(dirname "$0")/.." && pwd)"
command -v zabbix_agentd >/dev/null || { echo "FAIL: zabbix_agentd missing (tools/deps.sh installs zabbix-agent)" >&2; exit 1; }
tmp=$(mktemp -d)
chmod 755 "$tmp"
workload=
cleanup() { [[ -n $workload ]] && kill "$workload" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
sed "s|/usr/sbin/socktrace|$bin|" "$src/deploy/zabbix/userparameter_socktrace.conf" > "$tmp/userparameter_socktrace.conf"
cat > "$tmp/agentd.conf" <<CONF
LogType=console
PidFile=$tmp/agentd.pid
Include=$tmp/userparameter_socktrace.conf
CONF

/usr/bin/python3 - "$tmp/port" <<'PY' &
import socket, sys, time
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(16)
port = ls.getsockname()[1]
keep = []
for _ in range(3):
    c = socket.create_connection(("127.0.0.1", port)); s, _ = ls.accept(); keep += [c, s]
c = socket.create_connection(("127.0.0.1", port)); s, _ = ls.accept(); keep.append(s)
c.close()   # its server side sits in CLOSE_WAIT, the client's orphan in FIN_WAIT2
time.sleep(0.3)
open(sys.argv[1] + ".tmp", "w").write(str(port))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(120)
PY
workload=$!
for _ in $(seq 50); do [[ -s $tmp/port ]] && break; sleep 0.1; done
port=$(cat "$tmp/port") || { echo "FAIL: workload did not start" >&2; exit 1; }

item() {  # item KEY: the value zabbix_agentd -t gives, or nothing
  zabbix_agentd -c "$tmp/agentd.conf" -t "$1" 2>&1 | sed -n 's/^.*\[t|\(.*\)\]$/\1/p'
}
port_value=$(item "socktrace.check.port[$port]")
host_value=$(item socktrace.check)
family_value=$(item socktrace.check.family)
ss_counts=$(ss -Htan "( sport = :$port or dport = :$port )" | awk '{ n[$1]++ } END { for (s in n) print s, n[s] }')

/usr/bin/python3 - "$src/deploy/zabbix/socktrace-template.yaml" "$port_value" "$host_value" "$family_value" "$ss_counts" <<'PY'
import re, sys, yaml
tmpl, port_value, host_value, family_value, ss_text = sys.argv[1:6]
ok = True
def bad(m):
    global ok; ok = False; print("FAIL: " + m, file=sys.stderr)
items = yaml.safe_load(open(tmpl))["zabbix_export"]["templates"][0]["items"]
def preprocess(item, text):
    for step in item.get("preprocessing", []):
        if step["type"] != "REGEX": bad(f"{item['key']}: unexpected preprocessing {step['type']}"); return None
        m = re.search(step["parameters"][0], text)
        if not m: return None
        text = m.expand(step["parameters"][1])
    return text
deps = [i for i in items if i.get("type") == "DEPENDENT"]
for name, text in (("socktrace.check.port", port_value), ("socktrace.check", host_value), ("socktrace.check.family", family_value)):
    if not text.startswith("SOCKTRACE "): bad(f"{name} through the agent gave {text!r}")
for i in deps:
    if preprocess(i, host_value) is None: bad(f"item {i['key']}: its REGEX finds nothing in socktrace.check's {host_value!r}")
got = {i["key"]: preprocess(i, port_value) for i in deps}
want = {"socktrace.tcp[ESTABLISHED]": "6", "socktrace.tcp[LISTEN]": "1", "socktrace.tcp[CLOSE_WAIT]": "1",
        "socktrace.tcp[FIN_WAIT2]": "1", "socktrace.tcp[TIME_WAIT]": "0", "socktrace.tcp.total": "9",
        "socktrace.udp[ESTABLISHED]": "0", "socktrace.status": "OK"}
for k, v in want.items():
    if got.get(k) != v: bad(f"socktrace.check.port[P] -> {k} = {got.get(k)!r}, want {v}")
ss_names = {"ESTAB": "ESTABLISHED", "LISTEN": "LISTEN", "CLOSE-WAIT": "CLOSE_WAIT", "FIN-WAIT-2": "FIN_WAIT2",
            "TIME-WAIT": "TIME_WAIT", "SYN-SENT": "SYN_SENT", "SYN-RECV": "SYN_RECV", "FIN-WAIT-1": "FIN_WAIT1",
            "LAST-ACK": "LAST_ACK", "CLOSING": "CLOSING"}
for line in ss_text.splitlines():
    st, n = line.split()
    k = f"socktrace.tcp[{ss_names.get(st, st)}]"
    if got.get(k) != n: bad(f"ss counts {n} {st} on the port, the item {k} says {got.get(k)!r}")
for fam in ("tcp_ESTABLISHED", "tcp6_LISTEN", "udp_CLOSE", "udp6_CLOSE"):
    if not re.search(rf"[| ]{fam}=[0-9]+;", family_value): bad(f"socktrace.check.family has no {fam}: {family_value!r}")
if ok: print(f"zabbix_agentd -t: socktrace.check, .family, .port[P] ok; template items read {got}")
sys.exit(0 if ok else 1)
PY
