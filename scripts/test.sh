#!/usr/bin/env bash
# Runs every test project of the solution and closes with one line: "tests: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test Offload.sln -c Release --nologo --logger "console;verbosity=minimal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
read -r passed failed skipped < <(awk '
  /(Passed|Failed)! +- +Failed:/ {
    for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
  }
  END { printf "%d %d %d\n", p, f, s }' "$log")
if [ "$passed" -eq 0 ] && [ "$status" -eq 0 ]; then
  echo "tests: no test ran" >&2
  status=1
fi
echo
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
