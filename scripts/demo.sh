#!/usr/bin/env bash
# The main job, end to end, against the local Kaleyra API emulator:
# validate, plan, apply --auto-approve, output, plan again (no changes).
# Works on a temporary copy of provisioner.yaml and rooms/, so the repository
# (and its state file) is left untouched. Needs `provisioner` on PATH
# (`make demo` puts the project's virtualenv there).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/provisioner-demo.XXXXXX")"
emulator_pid=""

cleanup() {
  if [[ -n "$emulator_pid" ]] && kill -0 "$emulator_pid" 2>/dev/null; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then
  step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
  step() { printf '\n== %s\n' "$*"; }
fi

if [[ -f "$repo/provisioner.yaml" ]]; then
  cp "$repo/provisioner.yaml" "$work/"
fi
cp -R "$repo/rooms" "$work/rooms"
cd "$work"

# A demo key: the emulator accepts it, nothing else does.
export KALEYRA_API_KEY="ak_test_demo_$$"
unset KALEYRA_API_URL

# Users the room files list as external exist in Kaleyra already: seed them.
seed=$(python - <<'PY'
from pathlib import Path
from provisioner.config import load_estate, load_settings
estate = load_estate(load_settings(Path(".")))
print(" ".join(f"--user {u}:plus" for u in sorted(estate.external_users)))
PY
)

step "provisioner emulator --port 0 $seed"
# shellcheck disable=SC2086  # $seed is a list of flags
provisioner emulator --port 0 $seed >"$work/emulator.out" 2>"$work/emulator.err" &
emulator_pid=$!
for _ in $(seq 100); do
  [[ -s "$work/emulator.out" ]] && break
  kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.err" >&2; exit 1; }
  sleep 0.1
done
KALEYRA_API_URL="$(head -n 1 "$work/emulator.out")"
export KALEYRA_API_URL
echo "emulator listening on $KALEYRA_API_URL"

step "provisioner validate"
provisioner validate

step "provisioner plan"
provisioner plan

step "provisioner apply --auto-approve"
provisioner apply --auto-approve

step "provisioner output"
provisioner output

step "provisioner plan --detailed-exitcode (expect: no changes)"
set +e
provisioner plan --detailed-exitcode
code=$?
set -e
if [[ $code -ne 0 ]]; then
  echo "expected no changes after apply, got exit code $code" >&2
  exit 1
fi

step "done: the emulator stops now"
