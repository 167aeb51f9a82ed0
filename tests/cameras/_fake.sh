# shellcheck shell=bash
# Sourced by the fake cameras: logs this run's pid (its process group) where a test can count runs.
if [ -n "${FAKE_CAMERA_LOG:-}" ]; then echo "$$" >>"$FAKE_CAMERA_LOG"; fi

# Blocks until the test creates FAKE_CAMERA_RELEASE (at most 60 s), like a camera mid-exposure.
wait_for_release() {
  for _ in $(seq 1200); do
    [ -e "$FAKE_CAMERA_RELEASE" ] && return
    sleep 0.05
  done
}
