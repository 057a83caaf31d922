#!/usr/bin/env bash
# Test: the man page and the shell completions say what the CLI accepts.
#   tools/check-cli-docs.sh SOCKTRACE_BINARY COMPLETIONS_DIR
# Fails (listing each gap) when an option or mode of `socktrace [MODE] --help`
# is missing from docs/socktrace.8, when `man --warnings` complains, when the
# bash completion offers a different option set than a mode's --help, or
# when the zsh completion does not parse or lacks an option.
set -uo pipefail
(($# == 2)) || { echo "usage: tools/check-cli-docs.sh SOCKTRACE_BINARY COMPLETIONS_DIR" >&2; exit 2; }
bin=$1 comp=$2
src="$(cd "$(dirname "$0")/.." && pwd)"
man_page=$src/docs/socktrace.8
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }

help_options() {  # help_options [MODE]: every option name of that mode, one a line
  "$bin" "$@" --help | awk '/^  -/ { split(substr($0, 3), p, / /); n = split(p[1], names, ","); for (i = 1; i <= n; i++) print names[i] }' | sort -u
}
modes=$("$bin" --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')
[[ -n $modes ]] || bad "no subcommands in '$bin --help'"

# -- the man page
warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$man_page" 2>&1 >/dev/null)
[[ -z $warnings ]] || bad "man --warnings on docs/socktrace.8: $warnings"
rendered=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$man_page" 2>/dev/null | col -b)
for m in "" $modes; do
  if [[ -n $m ]]; then
    grep -q "socktrace $m" <<<"$rendered" || bad "man page: no 'socktrace $m'"
  fi
  for o in $(help_options $m); do
    grep -qE -- "(^|[ ,\[])$o([ ,=]|$)" <<<"$rendered" || bad "man page: option $o (socktrace $m --help) is not documented"
  done
done

# -- bash: the offered options per mode are exactly --help's
# shellcheck disable=SC1090
source "$comp/socktrace" || bad "bash completion does not load"
complete_words() {  # complete_words WORD...: COMPREPLY for the last word, sorted
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _socktrace 2>/dev/null
  printf '%s\n' "${COMPREPLY[@]}" | sort -u | sed '/^$/d'
}
for m in "" $modes; do
  words=(socktrace)
  [[ -n $m ]] && words+=("$m")
  want=$(help_options $m)
  got=$(complete_words "${words[@]}" -)
  [[ $got == "$want" ]] || bad "bash: 'socktrace $m -<TAB>' offers [$(echo $got)], --help has [$(echo $want)]"
done
got=$(complete_words socktrace "")
for m in $modes; do grep -qx "$m" <<<"$got" || bad "bash: 'socktrace <TAB>' does not offer mode $m"; done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
touch "$tmp/out.json"
got=$(complete_words socktrace states -o "$tmp/ou")
[[ $got == "$tmp/out.json" ]] || bad "bash: 'states -o DIR/ou<TAB>' gives [$got], not the file"
got=$(complete_words socktrace check --warning CLOSE_W)
[[ $got == "CLOSE_WAIT=" ]] || bad "bash: 'check --warning CLOSE_W<TAB>' gives [$got]"
got=$(complete_words socktrace -p "$$")
grep -qx "$$" <<<"$got" || bad "bash: '-p $$<TAB>' does not offer the pid"
got=$(complete_words socktrace -- bas)
grep -qx bash <<<"$got" || bad "bash: 'socktrace -- bas<TAB>' does not offer the command bash"

# -- zsh: parses, defines a function per mode, names every option, and its
# real completion system (in a pseudo-terminal) offers every long option of
# each mode from a prefix, and not one of another mode
if command -v zsh >/dev/null; then
  zsh -n "$comp/_socktrace" || bad "zsh: _socktrace does not parse"
  for m in main $modes; do grep -q "^_socktrace_$m()" "$comp/_socktrace" || bad "zsh: no _socktrace_$m"; done
  pairs=()
  for m in "" $modes; do
    fn=_socktrace_${m:-main}
    body=$(awk -v f="$fn()" '$1 == f { on = 1; next } on && /^}/ { exit } on' "$comp/_socktrace")
    for o in $(help_options $m); do
      grep -qE -- "[{,'*]$o[,}\[]" <<<"$body" || bad "zsh: $fn lacks $o"
      [[ $o == --??* ]] && pairs+=("socktrace ${m:+$m }${o:0:${#o}-2}"$'\t'"$o")
    done
  done
  pairs+=("socktrace ch"$'\t'"check")
  # top has --pid and --port but not check's --perfdata-family.
  pairs+=("socktrace top --p"$'\t'"--port"$'\t'"--perfdata-family")
  zsh "$src/tools/zsh-complete.zsh" "$(cd "$comp" && pwd)" "$(cd "$(dirname "$bin")" && pwd)" "${pairs[@]}" >&2 ||
    bad "zsh: completion differs from --help (lines above)"
else
  bad "zsh not installed (tools/deps.sh installs it)"
fi
((fail)) || echo "man page, bash and zsh completions agree with socktrace --help (modes: $(echo $modes))"
exit $fail
