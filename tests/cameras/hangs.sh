#!/usr/bin/env bash
# Never finishes, and has a child that would outlive it.
set -eu
. "$(dirname "$0")/_fake.sh"
sleep 1000 &
wait
