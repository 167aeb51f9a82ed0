#!/usr/bin/env bash
# Never finishes, and has a child that would outlive it.
set -eu
here=$(dirname "$0")
# shellcheck source=tests/cameras/_fake.sh
. "$here/_fake.sh"
sleep 1000 &
wait
