#!/bin/sh
# Runs coturn (turnserver) with the gateway's TURN configuration.
#
#   coturn/start.sh                       # foreground, log on stdout; Ctrl-C or SIGTERM stops it
#   coturn/start.sh --daemon              # detached; stop it with: kill "$(cat "$TURN_STATE/turnserver.pid")"
#   coturn/start.sh -c /etc/turnserver-gw.conf [turnserver options...]
#
# Options: -c FILE (default: turnserver.conf next to this script), --daemon, --check (print the
# command and exit). Anything else is passed to turnserver and overrides the file for single-valued
# options (listening-ip and relay-ip add to the file's instead: edit the file for those).
# Environment:
#   TURN_STATE    folder for the pidfile, the log (daemon mode), coturn's sqlite db and the demo
#                 certificate (default /var/tmp/webrtc-sip-gateway-turn)
#   GATEWAY_CONF  gateway.conf to compare secrets with (default ./gateway.conf when it exists);
#                 a [turn] secret there that differs from static-auth-secret stops the start.
#   TURNSERVER    the turnserver binary (default: turnserver on PATH)
# In the foreground the script execs turnserver, so its PID is turnserver's, and it also writes
# the pidfile. Exit status 2: configuration problem found before starting.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
conf="$here/turnserver.conf"
daemon=0
check=0
while [ "$#" -gt 0 ]; do
  case "$1" in
    -c) [ "$#" -ge 2 ] || { echo "$0: -c needs a file" >&2; exit 2; }; conf=$2; shift 2 ;;
    --daemon) daemon=1; shift ;;
    --check) check=1; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
state=${TURN_STATE:-/var/tmp/webrtc-sip-gateway-turn}
bin=${TURNSERVER:-turnserver}

[ -r "$conf" ] || { echo "$0: cannot read $conf" >&2; exit 2; }
command -v "$bin" >/dev/null 2>&1 || { echo "$0: $bin not found (apt-get install coturn)" >&2; exit 2; }
mkdir -p "$state"
chmod 700 "$state"

# The value of KEY in the turnserver config ("key=value" or "key value"); empty when absent.
conf_get() {
  sed -n "s/^[[:space:]]*$1[[:space:]]*[=[:space:]][[:space:]]*//p" "$conf" | tail -n 1 | sed 's/[[:space:]]*$//'
}
conf_has() { grep -Eq "^[[:space:]]*$1[[:space:]]*(=|\$|[[:space:]])" "$conf"; }

# The [turn] secret of gateway.conf must be one of the static-auth-secret lines (coturn accepts
# several, for rotation), or every allocation fails with 401.
secrets=$(sed -n 's/^[[:space:]]*static-auth-secret[[:space:]]*[=[:space:]][[:space:]]*//p' "$conf" | sed 's/[[:space:]]*$//')
secret=$(conf_get static-auth-secret)
if ! conf_has use-auth-secret || [ -z "$secret" ]; then
  echo "$0: $conf: use-auth-secret and static-auth-secret are required (the gateway hands out TURN REST credentials)" >&2
  exit 2
fi
gwconf=${GATEWAY_CONF:-}
if [ -z "$gwconf" ] && [ -f ./gateway.conf ]; then gwconf=./gateway.conf; fi
if [ -n "$gwconf" ]; then
  gwsecret=$(awk '
    /^[[:space:]]*\[/ { sect = $0; gsub(/[][[:space:]]/, "", sect); next }
    sect == "turn" && /^[[:space:]]*secret[[:space:]]*=/ { sub(/^[^=]*=[[:space:]]*/, ""); sub(/[[:space:]]*$/, ""); v = $0 }
    END { print v }' "$gwconf")
  if [ -z "$gwsecret" ]; then
    echo "$0: warning: $gwconf has no [turn] secret: the gateway hands out no TURN credentials" >&2
  elif ! printf '%s\n' "$secrets" | grep -Fxq -- "$gwsecret"; then
    echo "$0: [turn] secret in $gwconf is not a static-auth-secret of $conf: allocations would fail with 401" >&2
    exit 2
  fi
fi

set -- -c "$conf" --pidfile "$state/turnserver.pid" --userdb "$state/turndb" "$@"

# TLS listener: the file's cert/pkey, or a self-signed demo pair made once in $state.
if ! conf_has no-tls; then
  if ! conf_has cert; then
    if [ ! -s "$state/demo-cert.pem" ] || [ ! -s "$state/demo-key.pem" ]; then
      ip=$(conf_get listening-ip)
      san="DNS:localhost"
      if [ -n "$ip" ]; then san="$san,IP:$ip"; fi
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
        -subj "/CN=webrtc-sip-gateway demo TURN" -addext "subjectAltName=$san" \
        -keyout "$state/demo-key.pem" -out "$state/demo-cert.pem" >/dev/null 2>&1 \
        || { echo "$0: openssl could not make the demo certificate" >&2; exit 2; }
      chmod 600 "$state/demo-key.pem"
    fi
    set -- "$@" --cert "$state/demo-cert.pem" --pkey "$state/demo-key.pem"
  elif ! conf_has pkey; then
    echo "$0: $conf sets cert but not pkey" >&2
    exit 2
  fi
fi

if [ "$daemon" = 1 ]; then
  set -- "$@" --daemon --log-file "$state/turnserver.log" --no-stdout-log
else
  set -- "$@" --log-file stdout
fi

if [ "$check" = 1 ]; then
  echo "$bin $*"
  exit 0
fi
exec "$bin" "$@"
