#!/usr/bin/env bash
# The Action's main step (action.yml): `provisioner $COMMAND` as a workflow
# wants it. Inputs arrive as environment variables, never spliced into this
# script: COMMAND, COMMENT, ALLOW_UNREVIEWED, PULL_REQUEST, PROVISIONER_BIN.
#
#   validate  annotations on each file and line; every problem in the summary
#   plan      the markdown plan in the summary and as the one pull-request
#             comment, also when validation fails or the plan is refused
#   apply     applies the plan reviewed on the merged pull request, or refuses
#   drift     reads the rooms back; exit 2 when something changed outside
set -uo pipefail

PATH="${PROVISIONER_BIN:?the install step did not run}:$PATH"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pr_args=()
[ -n "${PULL_REQUEST:-}" ] && pr_args=(--pr "$PULL_REQUEST")

output() { echo "$1=$2" >> "${GITHUB_OUTPUT:-/dev/null}"; }
summary() { cat >> "${GITHUB_STEP_SUMMARY:-/dev/null}"; }

# The labels rooms:allow-* become PROVISIONER_ALLOW_*=1; nothing else does.
load_allowances() {
  local line
  provisioner ci allowances "${pr_args[@]}" > "$work/allowances" || return 1
  while IFS= read -r line; do
    case "$line" in
      PROVISIONER_ALLOW_*=1)
        export "${line?}"
        echo "Allowed by a pull-request label: ${line%=1}"
        ;;
    esac
  done < "$work/allowances"
}

# Post FILE as the comment (plan mode, comment: true); the rest are options.
post() {
  [ "${COMMENT:-true}" = true ] || return 0
  provisioner pr-comment "${pr_args[@]}" "$@"
}

fail_plan() { # TITLE LOG: no plan; say why in the summary and the comment.
  echo "### ❌ $1: see the job log" | summary
  post --failed "$1" "$2"
  output exitcode 1
  output has-changes false
  return 1
}

run_validate() {
  provisioner validate --format github
  local code=$?
  output exitcode "$code"
  return "$code"
}

run_plan() {
  if ! provisioner validate --format github; then
    provisioner validate > "$work/validate.txt" 2>&1
    fail_plan "The room files do not validate" "$work/validate.txt"
    return 1
  fi
  load_allowances 2> "$work/labels.txt" || {
    cat "$work/labels.txt" >&2
    fail_plan "The pull request's labels could not be read" "$work/labels.txt"
    return 1
  }
  provisioner plan --format json --detailed-exitcode \
    > "$work/plan.json" 2> "$work/plan.err"
  local code=$?
  cat "$work/plan.err" >&2
  if [ "$code" -ne 1 ]; then
    provisioner ci outputs "$work/plan.json" >> "${GITHUB_OUTPUT:-/dev/null}"
  fi
  provisioner plan --format markdown > "$work/plan.md" 2> /dev/null
  if [ ! -s "$work/plan.md" ]; then
    fail_plan "provisioner plan failed" "$work/plan.err"
    return 1
  fi
  if [ -z "${KALEYRA_API_KEY:-}" ]; then
    echo "> Planned offline: no API key here, so rooms were not read back." | summary
  fi
  summary < "$work/plan.md"
  output exitcode "$code"
  post_plan "$code" || return 1
  [ "$code" -ne 1 ]
}

post_plan() { # CODE: a refused plan (1) is posted without a checksum.
  local checksum=""
  if [ "$1" -ne 1 ]; then
    checksum="$(provisioner ci outputs "$work/plan.json" | sed -n 's/^checksum=//p')"
  fi
  post "$work/plan.md" ${checksum:+--checksum "$checksum"}
}

run_apply() {
  load_allowances || return 1
  local args=(apply --auto-approve) checksum
  if checksum="$(provisioner ci reviewed-checksum)"; then
    args+=(--expect-checksum "$checksum")
  elif [ "${ALLOW_UNREVIEWED:-false}" = true ]; then
    echo "::warning::Applying without a reviewed plan (allow-unreviewed: true)."
  else
    echo "::error::Refused: no reviewed plan covers this commit. Merge a pull" \
      "request whose plan was commented, or set allow-unreviewed: true."
    output exitcode 1
    return 1
  fi
  provisioner "${args[@]}"
  local code=$?
  output exitcode "$code"
  return "$code"
}

run_drift() {
  provisioner drift
  local code=$?
  output exitcode "$code"
  output has-changes "$([ "$code" -eq 2 ] && echo true || echo false)"
  case "$code" in
    0) echo "### ✅ No drift: the rooms are as the state says." | summary ;;
    2) echo "### ⚠️ Drift: rooms changed outside the tool; see the job log." | summary ;;
  esac
  return "$code"
}

case "${COMMAND:-}" in
  validate) run_validate ;;
  plan) run_plan ;;
  apply) run_apply ;;
  drift) run_drift ;;
  *)
    echo "::error::command must be validate, plan, apply or drift, not '${COMMAND:-}'"
    exit 1
    ;;
esac
