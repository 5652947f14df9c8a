# PBX appliance: hands what app_voicemail produces over to the supervisor. voicemail.conf names
# this file and runs it as "/bin/sh <file> ...", so it needs no exec bit; it runs inside the
# Asterisk rootfs as the asterisk user.
#
#   mail <outbox>                             mailcmd: the whole MIME message comes on stdin
#   pin <inbox> <context> <mailbox> <pin>     externpass: a PIN changed from the phone menu
#   pincheck <mailbox> <context> <old> <new>  externpasscheck: prints VALID or INVALID
#
# A file appears in a spool directory only whole: it is written under a dot name and renamed,
# and the supervisor skips dot names, so it never reads half of one. Names start with the
# time, so the supervisor takes them in the order they were made. Exit 0: handed over.

umask 027
cmd=$1
[ $# -gt 0 ] && shift

digits() {
  case "$1" in ''|*[!0-9]*) return 1 ;; esac
  return 0
}

# True when a PIN is too easy to guess, by the model's rules (src/domain/rules.ts): 4 to 12
# digits, not one digit repeated, not a run up or down (1234, 9876, 8901), not the end of the
# mailbox number.
weak() {
  pin=$1
  box=$2
  digits "$pin" || return 0
  [ ${#pin} -ge 4 ] && [ ${#pin} -le 12 ] || return 0
  case "$box" in *"$pin") return 0 ;; esac
  rest=${pin#?}
  prev=${pin%"$rest"}
  step=
  while [ -n "$rest" ]; do
    next=${rest%"${rest#?}"}
    d=$(( (next - prev + 10) % 10 ))
    if [ -z "$step" ]; then step=$d; elif [ "$step" != "$d" ]; then return 1; fi
    prev=$next
    rest=${rest#?}
  done
  [ "$step" = 0 ] || [ "$step" = 1 ] || [ "$step" = 9 ]
}

# spool <dir> <suffix>: stdin into <dir>/<time>-<random>.<suffix>, whole or not at all.
spool() {
  mkdir -p "$1" || return 1
  tmp=$(mktemp "$1/.spool-XXXXXXXXXX") || return 1
  if cat > "$tmp" && mv "$tmp" "$1/$(date +%s)-${tmp##*/.spool-}.$2"; then return 0; fi
  rm -f "$tmp"
  return 1
}

case "$cmd" in
  mail)
    [ -n "$1" ] || exit 2
    spool "$1" eml || exit 1
    ;;
  pin)
    case "$2" in ''|*[!a-z0-9_-]*) exit 2 ;; esac
    digits "$3" && digits "$4" || exit 2
    printf '%s %s %s\n' "$2" "$3" "$4" | spool "$1" pin || exit 1
    ;;
  pincheck)
    if weak "$4" "$1"; then echo INVALID; else echo VALID; fi
    ;;
  *)
    echo "usage: pbx-voicemail.sh mail <outbox> | pin <inbox> <context> <mailbox> <pin> | pincheck <mailbox> <context> <old> <new>" >&2
    exit 2
    ;;
esac
exit 0
