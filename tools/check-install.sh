#!/usr/bin/env bash
# Test: `cmake --install` of a build puts every file where docs/install.md
# says, and each works from there: the binary runs, the man page renders,
# the bash completion loads and completes, the unit runs the installed
# binary and passes `systemd-analyze verify`, logrotate accepts the snippet.
#   tools/check-install.sh BUILD_DIR
set -uo pipefail
(($# == 1)) || { echo "usage: tools/check-install.sh BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd) || exit 2
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }
root=$tmp/root
DESTDIR=$root cmake --install "$build" >/dev/null || { echo "FAIL: cmake --install" >&2; exit 1; }
etc=$prefix/etc
[[ $prefix == /usr ]] && etc=/etc
for f in "$prefix/sbin/socktrace" "$prefix/share/man/man8/socktrace.8.gz" \
         "$prefix/share/bash-completion/completions/socktrace" "$prefix/share/zsh/vendor-completions/_socktrace" \
         "$prefix/lib/systemd/system/socktrace-log.service" "$etc/logrotate.d/socktrace" \
         "$prefix/share/doc/socktrace/install.md" "$prefix/share/doc/socktrace/examples/kubernetes/daemonset.yaml"; do
  [[ -f $root$f ]] || bad "not installed: $f"
done
[[ -x $root$prefix/sbin/socktrace ]] && ver=$("$root$prefix/sbin/socktrace" --version)
[[ ${ver:-} == "socktrace "* ]] || bad "installed binary: --version says '${ver:-}'"
man -l "$root$prefix/share/man/man8/socktrace.8.gz" 2>/dev/null | grep -q "socktrace check" || bad "installed man page does not render"

unit=$root$prefix/lib/systemd/system/socktrace-log.service
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
[[ $exec_start == "$prefix/sbin/socktrace" ]] || bad "unit runs '$exec_start', not the installed $prefix/sbin/socktrace"
grep -qx "LogsDirectory=socktrace" "$unit" || bad "unit has no LogsDirectory=socktrace"
# verify checks that ExecStart exists: point it at the staged binary.
sed "s|^ExecStart=$prefix/sbin/socktrace |ExecStart=$root$prefix/sbin/socktrace |" "$unit" > "$tmp/socktrace-log.service"
if command -v systemd-analyze >/dev/null; then
  out=$(systemd-analyze verify "$tmp/socktrace-log.service" 2>&1) || bad "systemd-analyze verify: $out"
  [[ -z $out ]] || bad "systemd-analyze verify says: $out"
else
  bad "systemd-analyze missing"
fi

mkdir -p "$tmp/log"
echo '{}' > "$tmp/log/socktrace.json"
sed "s|/var/log/socktrace/|$tmp/log/|" "$root$etc/logrotate.d/socktrace" > "$tmp/logrotate.conf"
out=$(logrotate -d -s "$tmp/logrotate.state" "$tmp/logrotate.conf" 2>&1) || bad "logrotate -d: $out"
grep -q "error" <<<"$out" && bad "logrotate -d reports: $(grep error <<<"$out")"
grep -q "considering log $tmp/log/socktrace.json" <<<"$out" || bad "logrotate does not consider the log: $out"

(
  source "$root$prefix/share/bash-completion/completions/socktrace"
  COMP_WORDS=(socktrace top --on); COMP_CWORD=2; _socktrace
  [[ ${COMPREPLY[*]} == --once ]]
) || bad "installed bash completion: 'socktrace top --on<TAB>' is not --once"
((fail)) || echo "staged install under $prefix: every file in place and working"
exit $fail
