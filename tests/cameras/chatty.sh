#!/usr/bin/env bash
# Prints 5 MB to stderr, then fails.
set -eu
here=$(dirname "$0")
# shellcheck source=tests/cameras/_fake.sh
. "$here/_fake.sh"
head -c 5000000 /dev/zero | tr "\0" "x" >&2
echo >&2
echo "the last line" >&2
exit 3
