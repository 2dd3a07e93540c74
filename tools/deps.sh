#!/usr/bin/env bash
# Installs every Debian package that building, running and testing the gateway need, and the
# browser-test npm packages from tests/package-lock.json. Idempotent: quiet and fast when all is there.
# Run as root on Debian 12.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  # build
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libglib2.0-dev libjansson-dev libwebsockets-dev libnice-dev libssl-dev libsrtp2-dev
  libsofia-sip-ua-dev libsofia-sip-ua-glib-dev libopus-dev libsamplerate0-dev openssl
  # tests: browser, SIP peers, TURN, namespaces and firewalls, audio analysis, promtool (prometheus),
  # hostile SIP scanners (sipvicious: svmap, svwar, svcrack)
  nodejs chromium sip-tester baresip-core coturn iproute2 nftables iptables
  sox libsox-fmt-all python3 procps prometheus sipvicious
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node may come from another repository (nodesource) under the same package name: accept any node >= 18.
if command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 18 ]; then
  missing=("${missing[@]/nodejs}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's nodejs does not bring npm with it.
command -v npm >/dev/null || { apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends npm >/dev/null; }

# npm packages, exactly as locked; playwright-core uses Debian's /usr/bin/chromium, never a download.
lock="$here/tests/package-lock.json"
stamp="$here/tests/node_modules/.installed-from-lock"
if [ ! -f "$stamp" ] || ! cmp -s "$lock" "$stamp"; then
  echo "deps: npm ci in tests/"
  (cd "$here/tests" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  cp "$lock" "$stamp"
fi
