#!/usr/bin/env bash
# Long-running measurements; results are written down in benchmarks/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")"
for script in bench_*.py; do
  echo "== $script"
  python "$script"
done
