#!/usr/bin/env bash
# tools/bpf-arm64.sh: builds socktrace's BPF programs for arm64 (cloud hosts
# run it), where they cannot run here: proof that every architecture fact is
# behind bpf/arch.bpf.h. The arm64 vmlinux.h comes from Debian's arm64 cloud
# kernel of the same release as this host's newest 6.1 cloud kernel: its
# Image carries the kernel's BTF, which bpftool turns into C. As root or not;
# needs clang, bpftool, python3 and Debian's archive. Cache:
# $BPF_ARM64_CACHE (default /var/tmp/socktrace-arm64).
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${BPF_ARM64_CACHE:-/var/tmp/socktrace-arm64}
mkdir -p "$cache"
if [[ ! -s $cache/vmlinux.h ]]; then
  re='^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$'
  pkg=$(apt-cache search --names-only "$re" | awk '{print $1}' | sort -V | tail -1)
  [[ -n $pkg ]] || { apt-get update -qq >/dev/null 2>&1 || true; pkg=$(apt-cache search --names-only "$re" | awk '{print $1}' | sort -V | tail -1); }
  [[ -n $pkg ]] || { echo "tools/bpf-arm64.sh: no Debian package matches $re" >&2; exit 2; }
  # The amd64 package's address, with the architecture swapped: the arm64
  # build of the same kernel, without adding arm64 to dpkg.
  url=$(apt-get download --print-uris "$pkg" | awk '{gsub(/\x27/, "", $1); print $1}' | sed 's/amd64/arm64/g')
  [[ -n $url ]] || { echo "tools/bpf-arm64.sh: no download address for $pkg" >&2; exit 2; }
  tmp=$(mktemp -d "$cache/dl.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  curl -fsS -o "$tmp/k.deb" "$url" || { echo "tools/bpf-arm64.sh: cannot fetch $url" >&2; exit 2; }
  dpkg-deb --fsys-tarfile "$tmp/k.deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'
  # The BTF blob inside the (uncompressed) arm64 Image: its header (magic
  # 0xeb9f, version 1, 24 bytes) says how long it is.
  python3 - "$tmp"/boot/vmlinuz-* "$tmp/vmlinux.btf" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
at = 0
while True:
    at = data.find(b'\x9f\xeb\x01\x00', at)
    if at < 0:
        sys.exit('tools/bpf-arm64.sh: no BTF in ' + sys.argv[1])
    hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from('<5I', data, at + 4)
    if hdr_len == 24 and type_off == 0 and str_off == type_len and type_len > (1 << 20):
        open(sys.argv[2], 'wb').write(data[at:at + hdr_len + type_len + str_len])
        break
    at += 1
PY
  bpftool btf dump file "$tmp/vmlinux.btf" format c >"$cache/vmlinux.h.tmp"
  mv "$cache/vmlinux.h.tmp" "$cache/vmlinux.h"
fi
grep -q "struct user_pt_regs {" "$cache/vmlinux.h" || { echo "tools/bpf-arm64.sh: $cache/vmlinux.h is not arm64's" >&2; exit 1; }
out=$(mktemp -d)
failed=0
for src in bpf/*.bpf.c; do
  if clang -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_arm64 -I"$cache" -Iinclude -Ibpf \
       -c "$src" -o "$out/$(basename "$src" .c).o"; then
    echo "tools/bpf-arm64.sh: ok      $src"
  else
    echo "tools/bpf-arm64.sh: FAILED  $src"
    failed=1
  fi
done
if ((failed == 0)); then
  bpftool gen object "$out/socktrace.bpf.o" "$out"/*.bpf.o && echo "tools/bpf-arm64.sh: linked $(ls "$out"/*.bpf.o | wc -l) objects for arm64"
fi
rm -rf "$out"
exit "$failed"
