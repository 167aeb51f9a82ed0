#!/usr/bin/env bash
# Exits 0 without writing anything.
set -eu
here=$(dirname "$0")
# shellcheck source=tests/cameras/_fake.sh
. "$here/_fake.sh"
true
