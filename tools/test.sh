#!/usr/bin/env bash
# README command 2: install what is missing, build the normal and the sanitizer (ASan+UBSan) trees,
# and run every test with CTest: unit and black-box tests in both trees, the end-to-end suite once,
# in the sanitizer tree (any sanitizer report fails the test that ran that gateway), then every
# libFuzzer target for a bounded time. Artifacts (logs, screenshots, recordings) go to
# tests/artifacts/. Set GW_TEST_ONLY=regex to run a subset.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/tools/deps.sh"
jobs=$(nproc)
status=0
for tree in build:RelWithDebInfo:-LE:e2e build-asan:Asan; do
  IFS=: read -r name type filter label <<<"$tree"
  dir="$here/$name"
  echo "== $type build in $name${filter:+ (all but $label)}"
  cmake -S "$here" -B "$dir" -DCMAKE_BUILD_TYPE="$type" >/dev/null
  cmake --build "$dir" -j"$jobs" >/dev/null
  (cd "$dir" && ctest --output-on-failure --timeout 300 ${filter:+$filter $label} ${GW_TEST_ONLY:+-R "$GW_TEST_ONLY"}) || status=1
done
# Fuzzing: every parser of untrusted input runs under libFuzzer (clang, ASan+UBSan) for a bounded
# time from its seed corpus; a crash fails the run and its input is kept in build-fuzz/.
if [ -z "${GW_TEST_ONLY:-}" ]; then
  echo "== libFuzzer targets in build-fuzz (${GW_FUZZ_SECONDS:-20} s each)"
  cmake -S "$here" -B "$here/build-fuzz" -DGW_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
    -DGW_FUZZ_SECONDS="${GW_FUZZ_SECONDS:-20}" >/dev/null
  targets=$(grep -rhoE 'gw_fuzz_target\(fuzz_[a-z_]+' "$here"/gateway "$here"/media "$here"/signaling --include=CMakeLists.txt | sed 's/gw_fuzz_target(//')
  cmake --build "$here/build-fuzz" -j"$jobs" --target $targets >/dev/null
  (cd "$here/build-fuzz" && ctest -L fuzz --output-on-failure) || status=1
  grep -h "stat::number_of_executed_units" "$here/build-fuzz/Testing/Temporary/LastTest.log" | sed 's/^/    /' || true
fi
exit $status
