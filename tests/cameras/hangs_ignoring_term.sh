#!/usr/bin/env bash
# Never finishes and ignores SIGTERM, as a camera stuck in the driver can.
set -eu
. "$(dirname "$0")/_fake.sh"
trap '' TERM
while true; do sleep 1; done
