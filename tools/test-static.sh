#!/usr/bin/env bash
# Test: the static build (tools/package.sh --static) is self-contained. As
# root.
#   tools/test-static.sh build-static/socktrace
# Not dynamic (no program interpreter, no NEEDED library); then run in a
# root that holds nothing but this binary (plus the kernel's /proc and
# /sys): --version, check (sock_diag), and states (libbpf loading the BPF
# programs against the kernel's BTF) showing a loopback connection made
# meanwhile. Prints the size and start-up times it measured.
set -uo pipefail
(($# == 1)) && [[ -x $1 ]] || { echo "usage: tools/test-static.sh STATIC_SOCKTRACE_BINARY" >&2; exit 2; }
((EUID == 0)) || { echo "tools/test-static.sh: run as root (chroot, mounts)" >&2; exit 2; }
bin=$(realpath "$1")
tmp=$(mktemp -d /var/tmp/socktrace-static.XXXXXX)
root=$tmp/root
states_pid= load_pid=
cleanup() {
  for p in $states_pid $load_pid; do kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  for m in sys proc; do
    for _ in 1 2 3 4 5; do
      mountpoint -q "$root/$m" || break
      umount -R "$root/$m" 2>/dev/null || sleep 1
    done
  done
  if grep -q " $tmp/" /proc/mounts; then
    echo "tools/test-static.sh: $tmp still has mounts; not removed" >&2
  else
    rm -rf --one-file-system "$tmp"
  fi
}
trap cleanup EXIT
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }
ms() { echo $(($(date +%s%N) / 1000000)); }

readelf -lW "$bin" | grep -q "INTERP" && bad "$bin has a program interpreter (dynamically linked)"
needed=$(readelf -dW "$bin" | grep NEEDED)
[[ -z $needed ]] || bad "$bin needs shared libraries: $needed"
ldd_out=$(ldd "$bin" 2>&1)
[[ $ldd_out == *"not a dynamic executable"* ]] || bad "ldd $bin: $ldd_out"

mkdir -p "$root/proc" "$root/sys" "$root/tmp"
cp "$bin" "$root/socktrace"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys"
run() { chroot "$root" /socktrace "$@"; }

t0=$(ms)
ver=$(run --version 2>&1)
t_version=$(($(ms) - t0))
[[ $ver == "socktrace "* ]] || bad "--version in an empty root: $ver"
out=$(run check 2>&1)
rc=$?
[[ $rc == 0 && $out == "SOCKTRACE OK - "* ]] || bad "check in an empty root: exit $rc: $out"

# states: ready line, then a loopback connection on a port of our own.
t0=$(ms)
chroot "$root" /socktrace states --json > "$tmp/states.json" 2> "$tmp/states.err" &
states_pid=$!
for _ in $(seq 300); do grep -q "Ctrl-C to stop" "$tmp/states.err" && break; sleep 0.05; done
t_ready=$(($(ms) - t0))
grep -q "Ctrl-C to stop" "$tmp/states.err" || bad "states in an empty root never got ready: $(cat "$tmp/states.err")"
/usr/bin/python3 -c '
import socket, sys, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
print(l.getsockname()[1], flush=True)
c = socket.create_connection(l.getsockname()); s, _ = l.accept(); time.sleep(0.2); c.close(); s.close()
' > "$tmp/port" &
load_pid=$!
wait "$load_pid"
load_pid=
port=$(cat "$tmp/port")
sleep 0.5
kill -INT "$states_pid"
for _ in $(seq 200); do kill -0 "$states_pid" 2>/dev/null || break; sleep 0.1; done
kill -KILL "$states_pid" 2>/dev/null
wait "$states_pid"
rc=$?
states_pid=
[[ $rc == 0 ]] || bad "states in an empty root: exit $rc: $(cat "$tmp/states.err")"
grep -q "\"sport\":$port,.*\"new\":\"ESTABLISHED\"\\|\"dport\":$port,.*\"new\":\"ESTABLISHED\"" "$tmp/states.json" ||
  bad "states in an empty root did not show the connection to port $port: $(head -c 600 "$tmp/states.json")"

size=$(stat -c %s "$bin")
echo "static binary: $size bytes ($((size / 1024)) KiB); in an empty root: --version ${t_version} ms, states ready (BPF loaded and attached) in ${t_ready} ms"
((fail)) || echo "$bin: self-contained (no interpreter, no NEEDED); --version, check, states work in a root holding only it"
exit $fail
