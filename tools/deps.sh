#!/usr/bin/env bash
# Installs the Debian packages socktrace's build and tests need (only those
# missing). Debian 12, as root.
set -euo pipefail
packages=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libspdlog-dev libfmt-dev libcli11-dev
          googletest libgtest-dev libbenchmark-dev cmake g++ make ninja-build pkg-config strace iproute2 libbpf-tools
          bc prometheus time nftables
          zsh logrotate zabbix-agent python3-yaml jq libzstd-dev dpkg-dev debootstrap curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "tools/deps.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
