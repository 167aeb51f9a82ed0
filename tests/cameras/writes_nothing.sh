#!/usr/bin/env bash
# Exits 0 without writing anything.
set -eu
. "$(dirname "$0")/_fake.sh"
true
