#!/usr/bin/env bash
# tools/vmtest.sh KERNEL... [-- COMMAND [ARGS...]]
#
# Boots each KERNEL in QEMU with this host's root filesystem as the guest's
# root (virtiofs, read-only, under a tmpfs overlay: the guest writes nothing
# back), with the mounts a BPF tool needs (tracefs, debugfs, bpffs, cgroup2 at
# /sys/fs/cgroup/unified, /run, lo up), and runs COMMAND there as root, in the
# caller's working directory, with CI passed through. Prints the guest's
# output and exits with COMMAND's status (with several kernels: 0 when it
# succeeded in every one, else 1; 124 when a guest timed out).
#
# KERNEL: 6.1 or 6.12 (the newest Debian 12 linux-image-*-cloud-amd64-unsigned
# package of that series, fetched with apt-get download and kept in the
# cache), or a directory holding a linux-image package extracted with
# `dpkg-deb -x` (boot/vmlinuz-*, lib/modules/*). COMMAND defaults to `uname -r`.
#
# /dev/kvm on the project's machines is a nested hypervisor that cannot run a
# stock kernel; there the guest runs under TCG (about 3 s to boot, the
# integration suite ~3 min). Installs what it needs (qemu-system-x86 with
# virtiofsd, busybox-static, kmod) with apt-get. As root.
#
# Env: VMTEST_CACHE (default /var/tmp/socktrace-vmtest), VMTEST_TIMEOUT
# (seconds per guest, default 1200), VMTEST_MEM (3G), VMTEST_SMP (2),
# VMTEST_ACCEL (auto | kvm | tcg), VMTEST_APPEND (extra kernel parameters),
# VMTEST_JOBS (guests at once; default all).
set -uo pipefail

usage() {
  sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
die() { echo "tools/vmtest.sh: $*" >&2; exit 2; }

kernels=()
while (($#)) && [[ $1 != -- ]]; do
  case $1 in
    -h|--help) usage ;;
    -*) die "unknown option '$1' (usage: tools/vmtest.sh KERNEL... [-- COMMAND])" ;;
    *) kernels+=("$1") ;;
  esac
  shift
done
(($#)) && shift  # the --
((${#kernels[@]})) || die "name at least one kernel: 6.1, 6.12 or an extracted linux-image directory"
command=("$@")
((${#command[@]})) || command=(uname -r)
((EUID == 0)) || die "run as root (it installs packages and boots QEMU)"

cache=${VMTEST_CACHE:-/var/tmp/socktrace-vmtest}
timeout_s=${VMTEST_TIMEOUT:-1200}
mem=${VMTEST_MEM:-3G}
smp=${VMTEST_SMP:-2}
mkdir -p "$cache" || die "cannot create $cache"

# --- what the host needs ------------------------------------------------------
need=()
for p in qemu-system-x86 busybox-static kmod zstd xz-utils; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]})); then
  echo "tools/vmtest.sh: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; } >/dev/null ||
    die "apt-get install ${need[*]} failed"
fi
virtiofsd=/usr/lib/qemu/virtiofsd
[[ -x $virtiofsd ]] || die "no $virtiofsd (Debian 12's qemu-system-common ships it)"

# --- kernels --------------------------------------------------------------------
# fetch_kernel SERIES: extracts the newest cloud kernel package of that series
# into $cache/SERIES and prints the directory.
fetch_kernel() {
  local series=$1 re dir=$cache/$1 pkg
  case $series in
    6.1) re='^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$' ;;
    6.12) re='^linux-image-6\.12\.[0-9]+.*-cloud-amd64-unsigned$' ;;
    *) die "unknown kernel '$series' (known: 6.1, 6.12, or a directory with boot/vmlinuz-*)" ;;
  esac
  if ! compgen -G "$dir/boot/vmlinuz-*" >/dev/null; then
    pkg=$(apt-cache search --names-only "$re" 2>/dev/null | awk '{print $1}' | sort -V | tail -1)
    if [[ -z $pkg ]]; then
      apt-get update -qq >/dev/null 2>&1
      pkg=$(apt-cache search --names-only "$re" | awk '{print $1}' | sort -V | tail -1)
    fi
    [[ -n $pkg ]] || die "no Debian package matches $re"
    echo "tools/vmtest.sh: fetching $pkg" >&2
    local tmp
    tmp=$(mktemp -d "$cache/dl.XXXXXX")
    # apt's sandbox user cannot write into a root-only directory
    chmod 755 "$tmp"
    (cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1) || { rm -rf "$tmp"; die "apt-get download $pkg failed"; }
    rm -rf "$dir.tmp" && dpkg-deb -x "$tmp"/*.deb "$dir.tmp" && mv "$dir.tmp" "$dir"
    rm -rf "$tmp"
  fi
  echo "$dir"
}

# --- the guest's two init stages --------------------------------------------------
# Stage 1 (initramfs, busybox): load virtio/virtiofs/overlay where they are
# modules, mount the host's / read-only under a tmpfs overlay, switch to it.
cat >"$cache/init1" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules/order 2>/dev/null); do insmod "/modules/$m" || echo "vmtest: insmod $m failed"; done
mkdir -p /host /rw /newroot
n=0
until mount -t virtiofs -o ro hostroot /host 2>/dev/null; do
  n=$((n + 1))
  if [ $n -gt 100 ]; then echo "vmtest: cannot mount the host's root (virtiofs)"; echo o >/proc/sysrq-trigger; sleep 5; fi
  sleep 0.1
done
mount -t tmpfs -o mode=755,size=4G rw /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work /newroot ||
  { echo "vmtest: overlay mount failed"; echo o >/proc/sysrq-trigger; sleep 5; }
stage2=$(sed -n 's/.*vmtest.stage2=\([^ ]*\).*/\1/p' /proc/cmdline)
for d in dev proc sys; do mount --move /$d /newroot/$d; done
exec switch_root /newroot /bin/bash "$stage2"
EOF

# Stage 2 (the host's bash, PID 1 on the overlay): the mounts, then COMMAND.
cat >"$cache/init2" <<'EOF'
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C.UTF-8
for a in $(cat /proc/cmdline); do
  case $a in
    vmtest.run=*) run=${a#vmtest.run=} ;;
    vmtest.kdir=*) kdir=${a#vmtest.kdir=} ;;
  esac
done
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/lock /dev/pts /dev/shm
mount -t devpts -o mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin; ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t bpf bpf /sys/fs/bpf
mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
mkdir -p /sys/fs/cgroup/unified
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup/unified
ip link set lo up
hostname vmtest
# The kernel's own modules (veth, nf_tables and nft_numgen for the loss tests,
# ...), loaded on demand by the host's kmod; the tools (ip, nft) are the host's
# (tools/deps.sh installs them).
mkdir -p /lib/modules
ln -sfn "$kdir/lib/modules/$(uname -r)" "/lib/modules/$(uname -r)"
echo /usr/sbin/modprobe >/proc/sys/kernel/modprobe
. "$run/env"
cd "$run_cwd" || cd /
echo "vmtest: kernel $(uname -r) up after $(cut -d' ' -f1 /proc/uptime) s"
bash "$run/cmd" </dev/null 2>&1
echo "VMTEST_EXIT=$?"
sync
echo o >/proc/sysrq-trigger
sleep 30
EOF

# initramfs KDIR KVER: busybox and the modules stage 1 needs, built once per kernel.
initramfs() {
  local kdir=$1 kver=$2 out=$1/vmtest-initramfs.cpio.gz st
  if [[ -s $out && $out -nt $cache/init1 ]] && cmp -s "$cache/init1" "$kdir/.init1"; then
    echo "$out"; return
  fi
  [[ -f $kdir/lib/modules/$kver/modules.dep ]] || depmod -b "$kdir" "$kver" || die "depmod for $kver failed"
  st=$(mktemp -d "$cache/initrd.XXXXXX")
  mkdir -p "$st"/{bin,proc,sys,dev,modules}
  cp /bin/busybox "$st/bin/busybox"
  install -m 755 "$cache/init1" "$st/init"
  local m ko b
  for m in virtio_pci virtiofs overlay; do
    modprobe -S "$kver" -d "$kdir" --show-depends "$m" 2>/dev/null
  done | awk '$1 == "insmod" && !seen[$2]++ {print $2}' | while read -r ko; do
    b=${ko##*/}
    case $b in
      *.ko.xz) xz -dc "$ko" >"$st/modules/${b%.xz}"; b=${b%.xz} ;;
      *.ko.zst) zstd -dcq "$ko" >"$st/modules/${b%.zst}"; b=${b%.zst} ;;
      *) cp "$ko" "$st/modules/$b" ;;
    esac
    echo "$b" >>"$st/modules/order"
  done
  (cd "$st" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$out.tmp" && mv "$out.tmp" "$out"
  cp "$cache/init1" "$kdir/.init1"
  rm -rf "$st"
  echo "$out"
}

accel=${VMTEST_ACCEL:-auto}
if [[ $accel == auto ]]; then
  # kvm_pvm: the nested hypervisor of the project's machines, which runs a
  # stock kernel only by emulating it slowly (minutes to boot).
  if [[ -w /dev/kvm && ! -d /sys/module/kvm_pvm ]]; then accel=kvm; else accel=tcg; fi
fi
case $accel in
  kvm) accel_args=(-enable-kvm -cpu host) ;;
  tcg) accel_args=(-accel tcg,thread=multi -cpu max) ;;
  *) die "VMTEST_ACCEL must be auto, kvm or tcg" ;;
esac

# boot_once KDIR: runs COMMAND in that kernel; returns its exit status.
# Sets booted=0 when the guest never got as far as the command.
booted=0
boot_once() {
  local kdir vmlinuz kver initrd run rc qrc
  kdir=$(realpath "$1")
  vmlinuz=$(compgen -G "$kdir/boot/vmlinuz-*" | head -1)
  [[ -n $vmlinuz ]] || die "no boot/vmlinuz-* in $kdir"
  kver=${vmlinuz##*/vmlinuz-}
  initrd=$(initramfs "$kdir" "$kver") || exit 2
  run=$(mktemp -d "$cache/run.XXXXXX")
  printf '%q ' "${command[@]}" >"$run/cmd"
  echo >>"$run/cmd"
  { printf 'run_cwd=%q\n' "$PWD"; [[ -n ${CI:-} ]] && printf 'export CI=%q\n' "$CI"; } >"$run/env"
  "$virtiofsd" --socket-path="$run/vfs.sock" -o source=/ -o cache=always -o sandbox=chroot \
    -o log_level=err >"$run/virtiofsd.log" 2>&1 &
  local vfsd=$! i
  for i in $(seq 200); do [[ -S $run/vfs.sock ]] && break; sleep 0.05; done
  [[ -S $run/vfs.sock ]] || { cat "$run/virtiofsd.log" >&2; kill "$vfsd"; die "virtiofsd did not start"; }
  local start=$SECONDS
  timeout -k 10 "$timeout_s" qemu-system-x86_64 "${accel_args[@]}" -smp "$smp" -m "$mem" \
    -object memory-backend-memfd,id=mem,size="$mem",share=on -numa node,memdev=mem \
    -nodefaults -nographic -serial stdio -no-reboot \
    -chardev socket,id=vfs,path="$run/vfs.sock" -device vhost-user-fs-pci,chardev=vfs,tag=hostroot \
    -kernel "$vmlinuz" -initrd "$initrd" \
    -append "console=ttyS0 rdinit=/init panic=-1 quiet loglevel=3 vmtest.stage2=$cache/init2 vmtest.run=$run vmtest.kdir=$kdir ${VMTEST_APPEND:-}" \
    </dev/null 2>&1 | sed -u -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' \
      -e 's/^SeaBIOS (version [^)]*)//; s/^.*Booting from ROM\.*//' -e '/^$/d' | tee "$run/console"
  qrc=${PIPESTATUS[0]}
  kill "$vfsd" 2>/dev/null
  wait "$vfsd" 2>/dev/null
  rc=$(sed -n 's/^VMTEST_EXIT=\([0-9]*\)$/\1/p' "$run/console" | tail -1)
  # The first line of the guest's own can share a line with the BIOS's last.
  booted=$(grep -c 'vmtest: kernel .* up after\|^VMTEST_EXIT=' "$run/console")
  rm -rf "$run"
  echo "tools/vmtest.sh: kernel $kver ($accel): $((SECONDS - start)) s, exit ${rc:-none (qemu $qrc)}" >&2
  if [[ -z $rc ]]; then
    [[ $qrc == 124 ]] && return 124
    return 125
  fi
  return "$rc"
}

# boot KDIR: boot_once, again when the guest died before the command ran
# (under TCG a guest kernel now and then panics in early boot: seen in
# sched_clock_cpu with Debian's 6.12). The command itself runs once.
boot() {
  local attempt rc
  for attempt in 1 2 3; do
    boot_once "$1"
    rc=$?
    ((booted)) && return "$rc"
    echo "tools/vmtest.sh: the guest died before running the command (boot attempt $attempt of 3)" >&2
  done
  return 125
}

# The guests run side by side (each is one QEMU process, about one core
# under TCG), VMTEST_JOBS at a time (default: all of them); each one's
# output is printed whole when it ends, so that two guests' lines do not mix.
dirs=()
for k in "${kernels[@]}"; do
  if [[ -d $k ]]; then dirs+=("$k"); else dirs+=("$(fetch_kernel "$k")") || exit 2; fi
done
jobs_max=${VMTEST_JOBS:-${#kernels[@]}}
[[ $jobs_max =~ ^[1-9][0-9]*$ ]] || die "VMTEST_JOBS must be a positive number"
outs=$(mktemp -d "$cache/outs.XXXXXX")
trap 'rm -rf "$outs"' EXIT
pids=()
for i in "${!kernels[@]}"; do
  while (($(jobs -rp | wc -l) >= jobs_max)); do wait -n; done
  if ((${#kernels[@]} == 1)); then
    echo "=== tools/vmtest.sh: kernel ${kernels[i]}: ${command[*]}" >&2
    boot "${dirs[i]}"
    echo $? >"$outs/$i.rc"
  else
    { echo "=== tools/vmtest.sh: kernel ${kernels[i]}: ${command[*]}"; boot "${dirs[i]}"; echo $? >"$outs/$i.rc"; } \
      >"$outs/$i.out" 2>&1 &
    pids+=($!)
  fi
done
for i in "${!kernels[@]}"; do
  if ((${#kernels[@]} > 1)); then
    wait "${pids[i]}"
    cat "$outs/$i.out"
  fi
done

status=0
summary=()
for i in "${!kernels[@]}"; do
  rc=$(cat "$outs/$i.rc" 2>/dev/null || echo 125)
  summary+=("${kernels[i]}: exit $rc")
  if ((rc != 0)); then
    if ((${#kernels[@]} == 1)); then status=$rc; elif ((rc == 124)); then status=124; elif ((status == 0)); then status=1; fi
  fi
done
((${#kernels[@]} > 1)) && printf 'tools/vmtest.sh: %s\n' "${summary[@]}" >&2
exit "$status"
