#!/usr/bin/env bash
# Exits 1 with the message a busy Pi camera gives.
set -eu
here=$(dirname "$0")
# shellcheck source=tests/cameras/_fake.sh
. "$here/_fake.sh"
echo "Preview window unavailable" >&2
echo "ERROR: *** failed to acquire camera /base/soc/i2c0mux/i2c@1/imx219@10 ***" >&2
exit 1
