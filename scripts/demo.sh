#!/usr/bin/env bash
# The main job against the local emulator: validate, plan, apply, output.
set -euo pipefail
provisioner validate
