#!/usr/bin/env bash
# README command 2: install what is missing, build the normal and the sanitizer (ASan+UBSan) trees,
# and run every test with CTest in both. Artifacts (logs, screenshots, recordings) go to
# tests/artifacts/. Set GW_TEST_ONLY=regex to run a subset.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/tools/deps.sh"
jobs=$(nproc)
status=0
for tree in build:RelWithDebInfo build-asan:Asan; do
  dir="$here/${tree%%:*}"; type="${tree##*:}"
  echo "== $type build in ${dir#$here/}"
  cmake -S "$here" -B "$dir" -DCMAKE_BUILD_TYPE="$type" >/dev/null
  cmake --build "$dir" -j"$jobs" >/dev/null
  (cd "$dir" && ctest --output-on-failure --timeout 300 ${GW_TEST_ONLY:+-R "$GW_TEST_ONLY"}) || status=1
done
exit $status
