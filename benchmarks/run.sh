#!/usr/bin/env bash
# Long-running measurements. Results: benchmarks/RESULTS.md (speed, by hand) and
# docs/reliability.md (the reliability figures; its table is rewritten here).
#   bash benchmarks/run.sh                      # every bench_*.py, full sizes
#   bash benchmarks/run.sh bench_soak.py ...    # only these
# A missed target does not stop the others; the exit status is 1 if any missed.
set -uo pipefail
cd "$(dirname "$0")"
mkdir -p out
RELIABILITY=" bench_soak.py bench_crashloop.py bench_fuzz.py bench_secrets.py "
status=0
scripts=("$@")
[ ${#scripts[@]} -eq 0 ] && scripts=(bench_*.py)
for script in "${scripts[@]}"; do
  echo "== $script"
  extra=()
  if [[ "$RELIABILITY" == *" $script "* ]]; then
    extra=(--json "out/${script%.py}.json")
  fi
  python "$script" "${extra[@]}" || status=1
done
python reliability_table.py out ../docs/reliability.md || status=1
exit $status
