#!/usr/bin/env bash
# Waits like held.sh, then fails as a busy Pi camera does.
set -eu
. "$(dirname "$0")/_fake.sh"
for _ in $(seq 1200); do
  [ -e "$FAKE_CAMERA_RELEASE" ] && break
  sleep 0.05
done
echo "ERROR: *** failed to acquire camera /base/soc/i2c0mux/i2c@1/imx219@10 ***" >&2
exit 1
