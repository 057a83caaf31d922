# Runs zsh's real completion system in a pseudo-terminal (zsh/zpty) and
# checks what it offers. Used by tools/check-cli-docs.sh.
#   zsh tools/zsh-complete.zsh COMPLETION_DIR BIN_DIR 'LINE<TAB>EXPECTED[<TAB>ABSENT]' ...
# For each: types LINE, presses TAB, and waits up to 60 s (the first
# completion loads compsys: slow in an emulated VM) for EXPECTED to appear
# on the terminal; then ABSENT, if given, must not have appeared. Prints
# one FAIL line per miss; exit 1 if any.
zmodload zsh/zpty || exit 1
comp=$1 bindir=$2
shift 2
zpty z zsh -f -i
zpty -w z "PS1='READY>'; fpath=($comp \$fpath); autoload -U compinit; compinit -u -d ${TMPDIR:-/tmp}/zcompdump.$$; path=($bindir \$path); setopt nobeep"
zpty -r z junk '*READY>*'
fails=0
for pair in "$@"; do
  line=${pair%%$'\t'*} want=${pair#*$'\t'} absent=
  if [[ $want == *$'\t'* ]]; then absent=${want#*$'\t'}; want=${want%%$'\t'*}; fi
  zpty -w -n z "$line"$'\t'
  seen= found=0
  for i in {1..600}; do
    while zpty -rt z chunk 2>/dev/null; do seen+=$chunk; done
    if [[ $seen == *$want* ]]; then found=1; break; fi
    sleep 0.1
  done
  ((found)) || { print -r -- "FAIL: zsh: '$line<TAB>' does not offer '$want'"; fails=1; }
  if [[ -n $absent && $seen == *$absent* ]]; then
    print -r -- "FAIL: zsh: '$line<TAB>' offers '$absent'"
    fails=1
  fi
  zpty -w -n z $'\x15'   # kill the line for the next one
done
zpty -d z
rm -f ${TMPDIR:-/tmp}/zcompdump.$$
exit $fails
