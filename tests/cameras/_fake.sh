# shellcheck shell=bash
# Sourced by the fake cameras: logs this run's pid (its process group) where a test can count runs.
if [ -n "${FAKE_CAMERA_LOG:-}" ]; then echo "$$" >>"$FAKE_CAMERA_LOG"; fi
# shellcheck disable=SC2034  # used by the scripts that source this file
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
