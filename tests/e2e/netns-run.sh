#!/bin/sh
# Runs a command inside a fresh network namespace that has only loopback, then deletes it.
#   tests/e2e/netns-run.sh node --test tests/e2e/harness.test.js
# The namespace is named gwe2e-<PID of this script>, so parallel runs do not collide. Whatever the
# command leaves running in the namespace is killed (by PID) on exit, and the namespace is deleted,
# also on failure or SIGINT/SIGTERM. Namespaces left by runs that were SIGKILLed (their PID is gone)
# are removed at start. Needs root (ip netns).
set -eu

prefix=gwe2e-
ns="$prefix$$"

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARG...]" >&2
  exit 2
fi
if ! command -v ip >/dev/null 2>&1; then
  echo "$0: 'ip' (iproute2) not found" >&2
  exit 2
fi

# Leftovers of killed runs: gwe2e-<pid> whose pid no longer exists.
for old in $(ip netns list 2>/dev/null | awk '{print $1}'); do
  case "$old" in
    "$prefix"[0-9]*)
      pid=${old#"$prefix"}
      if [ ! -d "/proc/$pid" ]; then
        for p in $(ip netns pids "$old" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
        ip netns del "$old" 2>/dev/null || true
      fi
      ;;
  esac
done

child=
cleanup() {
  rc=$?
  trap - EXIT INT TERM HUP
  if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null || true; fi
  # Anything still running in the namespace was started by this run: stop it by PID.
  pids=$(ip netns pids "$ns" 2>/dev/null || true)
  if [ -n "$pids" ]; then
    kill -TERM $pids 2>/dev/null || true
    sleep 1
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    if [ -n "$pids" ]; then kill -KILL $pids 2>/dev/null || true; fi
  fi
  ip netns del "$ns" 2>/dev/null || true
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

ip netns add "$ns"
ip -n "$ns" link set lo up

# In the background so that the traps run while it works; `ip netns exec` execs the command,
# so $! is the command's own PID.
ip netns exec "$ns" "$@" &
child=$!
set +e
wait "$child"
rc=$?
# `wait` returns >128 when a trapped signal interrupted it; the trap has already exited then.
child=
exit "$rc"
