#!/bin/sh
# The fault test (make check-mpi): one rank of three killed in the middle
# of a request; the survivors must return FORGET_E_IO (-3) within the
# communicator's timeout with their model unchanged; then all three ranks
# restarted from their saved parts open their journals, which redo the
# request, and must equal one process. Usage: fault.sh PROGRAM DIR MPIRUN [MPIRUN FLAGS...]
set -u
prog=$1 dir=$2
shift 2
rm -rf "$dir" && mkdir -p "$dir" || exit 1
# --enable-recovery: OpenMPI does not kill the survivors with the dead rank
timeout 120 "$@" --enable-recovery -np 3 "$prog" "$dir" crash \
    > "$dir/crash.log" 2>&1
for r in 0 1; do
    if [ ! -f "$dir/result.$r" ]; then
        echo "fault: rank $r wrote no result"; cat "$dir/crash.log"; exit 1
    fi
    read -r rc unchanged secs < "$dir/result.$r"
    if [ "$rc" != -3 ] || [ "$unchanged" != 1 ]; then
        echo "fault: rank $r: request returned $rc, model unchanged=$unchanged"
        cat "$dir/crash.log"; exit 1
    fi
    echo "  fault   rank $r of 3 survived rank 2's death mid-request: FORGET_E_IO after $secs s, model unchanged"
done
timeout 120 "$@" -np 3 "$prog" "$dir" restart || exit 1
