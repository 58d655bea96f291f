#!/bin/sh
# make abi-check: compare build/libforget.so with the committed baseline
# (abi/libforget.so.MAJOR.abi, written by abidw for the current release).
# Removed or changed functions and variables fail; added ones must be named
# in CHANGELOG.md. abidiff's exit code alone misses some breaks (a changed
# parameter type shows as bit 4 only), so its report is read too.
set -u
lib=$1
base=$2
report=$(abidiff --headers-dir1 include/forget --headers-dir2 include/forget \
    "$base" "$lib" 2>&1)
rc=$?
echo "$report" | sed -n '/summary/,$p' | head -20
if [ $((rc & 1)) -ne 0 ] || [ $((rc & 2)) -ne 0 ]; then
    echo "abi-check: abidiff failed ($rc):"; echo "$report"; exit 1
fi
removed=$(echo "$report" | sed -n 's/.*summary: \([0-9]*\) Removed.*, \([0-9]*\) Changed.*/\1 \2/p' | \
    awk '{ s += $1 + $2 } END { print s + 0 }')
if [ $((rc & 8)) -ne 0 ] || [ "$removed" -ne 0 ]; then
    echo "abi-check: the ABI lost or changed symbols (see above): bump MAJOR"
    echo "$report"; exit 1
fi
missing=0
for f in $(echo "$report" | sed -n "s/^ *\[A\] 'function [^(]* \**\(forget_[a-z_0-9]*\)(.*/\1/p"); do
    if ! grep -q "$f" CHANGELOG.md; then
        echo "abi-check: $f was added but CHANGELOG.md does not name it"; missing=1
    fi
done
[ "$missing" -eq 0 ] || exit 1
echo "abi-check: compatible with $base"
