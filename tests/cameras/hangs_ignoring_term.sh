#!/usr/bin/env bash
# Never finishes and ignores SIGTERM, as a camera stuck in the driver can.
set -eu
here=$(dirname "$0")
# shellcheck source=tests/cameras/_fake.sh
. "$here/_fake.sh"
trap '' TERM
while true; do sleep 1; done
