#!/usr/bin/env bash
# Waits like held.sh, then fails as a busy Pi camera does.
set -eu
here=$(dirname "$0")
# shellcheck source=tests/cameras/_fake.sh
. "$here/_fake.sh"
wait_for_release
echo "ERROR: *** failed to acquire camera /base/soc/i2c0mux/i2c@1/imx219@10 ***" >&2
exit 1
