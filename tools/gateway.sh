#!/usr/bin/env bash
# README command 1: install what is missing, build, and run the gateway.
# With no configuration file it runs the built-in defaults: loopback only, a self-signed
# certificate, and the demo far end in place of a trunk. Extra arguments go to the gateway.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/tools/deps.sh"
cmake -S "$here" -B "$here/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$here/build" -j"$(nproc)" --target webrtc_sip_gateway >/dev/null
config=()
[ -f "$here/gateway.conf" ] && config=(--config "$here/gateway.conf")
exec "$here/build/gateway/webrtc_sip_gateway" "${config[@]}" "$@"
