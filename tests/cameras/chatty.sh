#!/usr/bin/env bash
# Prints 5 MB to stderr, then fails.
set -eu
. "$(dirname "$0")/_fake.sh"
head -c 5000000 /dev/zero | tr "\0" "x" >&2
echo >&2
echo "the last line" >&2
exit 3
