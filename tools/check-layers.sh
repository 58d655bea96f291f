#!/bin/sh
# The include rule of lib/ (README, "The rooms"): each room may include
# only rooms below it, bottom to top
#     util <- la <- format <- data <- model <- eval <- approx <- methods
#     <- unlearner
# and the public headers (forget/*.h). Besides:
#   - a method never includes another method or the unlearner: a file of
#     lib/methods/ includes only its own helpers (same name up to the first
#     '_' or '.') and, below it, approx/*.h, model/kit.h and the public
#     headers;
#   - approx (what approximate methods share) holds to the methods' seam:
#     only model/kit.h, its own files and the public headers;
#   - only lib/unlearner/registry.c includes methods/methods.h (the
#     built-in tables);
#   - lib/mpi/ (libforget-mpi, a library of its own) includes only the
#     public headers, and nothing else in lib/ includes <mpi.h>: the core
#     stays free of MPI.
# Prints each broken include as FILE:LINE: what is wrong; exit 1 if any.
# Usage: tools/check-layers.sh [LIBDIR]   (default lib)
lib=${1:-lib}
rank() {
    case $1 in
        util) echo 0 ;; la) echo 1 ;; format) echo 2 ;; data) echo 3 ;;
        model) echo 4 ;; eval) echo 5 ;; approx) echo 6 ;;
        methods) echo 7 ;; unlearner) echo 8 ;; mpi) echo 9 ;; *) echo 99 ;;
    esac
}
bad=0
complain() { echo "$1: $2"; bad=1; }
for f in "$lib"/*/*.c "$lib"/*/*.h; do
    [ -e "$f" ] || continue
    room=${f#"$lib"/}; room=${room%%/*}
    r=$(rank "$room")
    [ "$r" = 99 ] && { complain "$f" "room '$room' is not in the include rule"; continue; }
    base=$(basename "$f"); base=${base%%.*}; base=${base%%_*}
    if [ "$room" != mpi ] &&
       grep -q '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]\(mpi\.h\|forget/forget_mpi\.h\)[>"]' "$f"; then
        complain "$f" "includes MPI: only lib/mpi (libforget-mpi) may"
    fi
    grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
    sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1 \2/' > "${TMPDIR:-/tmp}/layers.$$"
    while read -r line inc; do
        to=${inc%%/*}
        [ "$to" = forget ] && continue
        where="$f:$line"
        if [ "$to" = "$inc" ]; then
            complain "$where" "\"$inc\" names no room (write \"room/file.h\")"
            continue
        fi
        t=$(rank "$to")
        if [ "$t" = 99 ]; then
            complain "$where" "\"$inc\": '$to' is not a room of $lib"
        elif [ "$t" -gt "$r" ]; then
            complain "$where" "\"$inc\" includes upward ($room may include only rooms below it)"
        fi
        if [ "$inc" = methods/methods.h ] && [ "$f" != "$lib/unlearner/registry.c" ] \
            && [ "$f" != "$lib/methods/methods.h" ]; then
            complain "$where" "only $lib/unlearner/registry.c includes methods/methods.h"
        fi
        if [ "$room" = mpi ]; then
            complain "$where" "\"$inc\": lib/mpi includes only the public headers (forget/*.h)"
        fi
        if [ "$room" = approx ]; then
            case $inc in
                model/kit.h | approx/*) ;;
                *) complain "$where" "\"$inc\": approx includes only model/kit.h, its own files and forget/*.h" ;;
            esac
        fi
        if [ "$room" = methods ]; then
            case $inc in
                model/kit.h | approx/*) ;;
                methods/*)
                    ib=$(basename "$inc"); ib=${ib%%.*}; ib=${ib%%_*}
                    [ "$ib" = "$base" ] || [ "$inc" = methods/methods.h ] ||
                        complain "$where" "\"$inc\": a method includes no other method's files" ;;
                *) complain "$where" "\"$inc\": a method includes only model/kit.h, its own files and forget/*.h" ;;
            esac
        fi
    done < "${TMPDIR:-/tmp}/layers.$$"
done
rm -f "${TMPDIR:-/tmp}/layers.$$"
# The proof that the seam holds: preprocessed, a method sees no layout of
# a model, a dataset or an unlearner (so it cannot read their fields).
for f in "$lib"/methods/*.c "$lib"/approx/*.c; do
    seen=$(${CC:-cc} -E -D_GNU_SOURCE -Iinclude -I"$lib" "$f" |
           grep -oE 'struct forget_(model|dataset|unlearner)[[:space:]]*\{' | sort -u)
    [ -z "$seen" ] || complain "$f" "sees the layout of $(echo $seen | tr -d '{')"
done
[ "$bad" = 0 ] && echo "layers: every #include in $lib goes down"
exit $bad
