#!/usr/bin/env bash
# Test: the .deb installs with apt into a clean Debian 12 root and works
# there. As root.
#   tools/test-deb.sh socktrace_VERSION_ARCH.deb
# The root is `debootstrap --variant=minbase bookworm` (needs only Debian's
# archive; kept as a tarball in $DEBOOTSTRAP_CACHE, default
# /var/cache/socktrace-test/, and unpacked fresh for every run). In it:
# `apt-get install ./socktrace_*.deb` (Depends resolved from the archive),
# then socktrace --version, socktrace check (sock_diag), socktrace states
# (the packaged binary loading its BPF programs), systemd-analyze verify of
# the installed unit, and apt-get purge leaving nothing behind.
set -uo pipefail
(($# == 1)) && [[ -f $1 ]] || { echo "usage: tools/test-deb.sh socktrace_VERSION_ARCH.deb" >&2; exit 2; }
((EUID == 0)) || { echo "tools/test-deb.sh: run as root (chroot, mounts)" >&2; exit 2; }
deb=$(realpath "$1")
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache_dir=${DEBOOTSTRAP_CACHE:-/var/cache/socktrace-test}
cache=$cache_dir/bookworm-minbase.tar.gz
tmp=$(mktemp -d /var/tmp/socktrace-deb.XXXXXX)
root=$tmp/root
states_pid=
cleanup() {
  [[ -n $states_pid ]] && kill -KILL "$states_pid" 2>/dev/null && wait "$states_pid" 2>/dev/null
  for m in dev sys proc; do
    for _ in 1 2 3 4 5; do
      mountpoint -q "$root/$m" || break
      umount -R "$root/$m" 2>/dev/null || sleep 1
    done
  done
  # Never remove a tree that still has something mounted in it.
  if grep -q " $tmp/" /proc/mounts; then
    echo "tools/test-deb.sh: $tmp still has mounts; not removed" >&2
  else
    rm -rf --one-file-system "$tmp"
  fi
}
trap cleanup EXIT
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }

if [[ ! -s $cache ]]; then
  echo "tools/test-deb.sh: debootstrap --variant=minbase bookworm (cached in $cache)" >&2
  mkdir -p "$cache_dir" "$tmp/boot"
  debootstrap --variant=minbase bookworm "$tmp/boot" "$mirror" >"$tmp/debootstrap.log" 2>&1 ||
    { tail -5 "$tmp/debootstrap.log" >&2; echo "FAIL: debootstrap" >&2; exit 1; }
  tar -C "$tmp/boot" -czf "$cache.tmp" . && mv "$cache.tmp" "$cache"
  rm -rf --one-file-system "$tmp/boot"
fi
mkdir -p "$root"
tar -C "$root" -xzf "$cache" || { echo "FAIL: unpacking $cache" >&2; exit 1; }
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys"
mount --bind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
name=$(basename "$deb")

start=$SECONDS
in_root apt-get update -qq >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log" >&2; bad "apt-get update in the root"; exit 1; }
# systemd only for systemd-analyze: a minbase root has none.
if ! in_root apt-get install -y -qq --no-install-recommends "/tmp/$name" systemd >>"$tmp/apt.log" 2>&1; then
  tail -20 "$tmp/apt.log" >&2
  bad "apt-get install ./$name into a clean bookworm root"
  exit 1
fi
echo "tools/test-deb.sh: installed with its dependencies in $((SECONDS - start)) s" >&2

want=$(dpkg-deb -f "$deb" Version)
got=$(in_root socktrace --version 2>&1)
[[ $got == "socktrace $want" ]] || bad "socktrace --version in the root says '$got', the package is $want"
out=$(in_root socktrace check 2>&1)
rc=$?
[[ $rc == 0 && $out == "SOCKTRACE OK - "* ]] || bad "socktrace check in the root: exit $rc: $out"
# chroot and env exec, so $! is socktrace itself (a function would fork).
chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin socktrace states >/dev/null 2>"$tmp/states.err" &
states_pid=$!
for _ in $(seq 300); do grep -q "Ctrl-C to stop" "$tmp/states.err" && break; sleep 0.1; done
kill -INT "$states_pid"
for _ in $(seq 200); do kill -0 "$states_pid" 2>/dev/null || break; sleep 0.1; done
kill -KILL "$states_pid" 2>/dev/null
wait "$states_pid"
rc=$?
states_pid=
out=$(cat "$tmp/states.err")
[[ $rc == 0 && $out == *"Ctrl-C to stop"* ]] || bad "socktrace states in the root (BPF): exit $rc: $out"
unit=/usr/lib/systemd/system/socktrace-log.service
out=$(in_root systemd-analyze verify "$unit" 2>&1)
rc=$?
[[ $rc == 0 && -z $out ]] || bad "systemd-analyze verify $unit in the root: exit $rc: $out"
grep -q "^ExecStart=/usr/sbin/socktrace log " "$root$unit" || bad "the unit does not run /usr/sbin/socktrace"
[[ -f $root/usr/share/man/man8/socktrace.8.gz && -f $root/etc/logrotate.d/socktrace ]] || bad "man page or logrotate file missing"

in_root apt-get purge -y -qq socktrace >>"$tmp/apt.log" 2>&1 || bad "apt-get purge socktrace"
for f in /usr/sbin/socktrace "$unit" /etc/logrotate.d/socktrace /usr/share/man/man8/socktrace.8.gz; do
  [[ -e $root$f ]] && bad "$f left after purge"
done
((fail)) || echo "$name: installs into a clean Debian 12 root with apt, runs (--version, check, states), unit verifies, purges clean"
exit $fail
