#!/bin/sh
# End-to-end tests of the forget tool on small generated files: every
# subcommand, and every error exit (1 = the library refused, 2 = usage).
# usage: tests/cli/test_cli.sh build/forget
#        WRAP="valgrind -q --error-exitcode=99" tests/cli/test_cli.sh build/forget
set -u
FORGET=${1:-build/forget}
WRAP=${WRAP:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect STATUS DESCRIPTION -- command...; output in $T/out, $T/err
expect() {
    want=$1; what=$2; shift 3
    # shellcheck disable=SC2086
    $WRAP "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" = "$want" ]; then ok; else
        bad "$what: exit $got, want $want"; sed 's/^/    /' "$T/err"; fi
}
# has FILE PATTERN DESCRIPTION
has() {
    if grep -q -- "$2" "$1"; then ok; else bad "$3: no '$2' in $1"; sed 's/^/    /' "$1"; fi
}

# A small separable CSV: label first, 4 features, 300 rows, ids 0..299.
awk 'BEGIN { srand(7); for (i = 0; i < 300; i++) { c = i % 3;
     printf "%d", c; for (j = 0; j < 4; j++) printf ",%.4f", (j == c) * 3 + rand();
     printf "\n" } }' > "$T/train.csv"
awk 'BEGIN { srand(8); for (i = 0; i < 90; i++) { c = i % 3;
     printf "%d", c; for (j = 0; j < 4; j++) printf ",%.4f", (j == c) * 3 + rand();
     printf "\n" } }' > "$T/test.csv"
printf '3\n6\n# a comment\n\n9\n' > "$T/ids.txt"

# ---- top level ----
expect 0 "version" -- "$FORGET" --version
has "$T/out" "^BLAS: " "version names the BLAS"
expect 0 "help" -- "$FORGET" --help
has "$T/out" "unlearn" "help lists commands"
expect 2 "no command" -- "$FORGET"
expect 2 "unknown command" -- "$FORGET" frobnicate
has "$T/err" "unknown command 'frobnicate'" "unknown command named"
expect 0 "version" -- "$FORGET" --version

# ---- methods ----
expect 0 "methods" -- "$FORGET" methods
has "$T/out" "sisa (exact)" "methods lists sisa as exact"
has "$T/out" "alpha" "methods lists parameters"
expect 0 "methods --json" -- "$FORGET" methods --json
has "$T/out" '"name":"analytic","exact":true' "methods json"
expect 2 "methods bad option" -- "$FORGET" methods --jsn
has "$T/err" "unknown option '--jsn'" "bad option named"

# ---- train ----
expect 0 "train mlp" -- "$FORGET" train --data "$T/train.csv" --kind mlp \
    --params "layers=4-8-3" --train "epochs=20 batch=16" --out "$T/m.fgm"
has "$T/out" "training accuracy" "train summary"
expect 0 "train quiet" -- "$FORGET" train --data "$T/train.csv" --kind linear \
    --params "inputs=4 outputs=3" --out "$T/lin.fgm" --quiet
[ -s "$T/out" ] && bad "quiet printed" || ok
expect 0 "train analytic" -- "$FORGET" train --data "$T/train.csv" \
    --kind analytic --params "inputs=4 outputs=3" --out "$T/a.fgm"
expect 2 "train missing options" -- "$FORGET" train --data "$T/train.csv"
expect 2 "train option without value" -- "$FORGET" train --data
has "$T/err" "needs a value" "missing value named"
expect 1 "train missing file" -- "$FORGET" train --data "$T/nope.csv" \
    --kind mlp --params "layers=4-3" --out "$T/x.fgm"
has "$T/err" "nope.csv" "missing file named"
expect 1 "train bad params" -- "$FORGET" train --data "$T/train.csv" \
    --kind mlp --params "layers=4-3 act=sigmoid" --out "$T/x.fgm"
has "$T/err" "act" "bad parameter named"
expect 1 "train data/model mismatch" -- "$FORGET" train --data "$T/train.csv" \
    --kind mlp --params "layers=5-3" --out "$T/x.fgm"
expect 1 "train unwritable out" -- "$FORGET" train --data "$T/train.csv" \
    --kind linear --params "inputs=4 outputs=3" --out /nonexistent/m.fgm

# ---- info ----
expect 0 "info model" -- "$FORGET" info "$T/m.fgm"
has "$T/out" "kind mlp" "info kind"
has "$T/out" "dense0.weight" "info blocks"
printf 'garbage' > "$T/junk"
expect 1 "info junk" -- "$FORGET" info "$T/junk"
has "$T/err" "not a libforget file" "junk refused"
expect 2 "info no file" -- "$FORGET" info
expect 1 "info missing" -- "$FORGET" info "$T/none.fgm"

# ---- unlearn ----
# (the second request, from the state, costs this small model 46 points
# on the other rows: ssd's guard, kept in the state's parameters, is
# lifted here and tested below)
expect 0 "unlearn ssd by class" -- "$FORGET" unlearn --model "$T/m.fgm" \
    --method ssd --params "guard=1e6" --data "$T/train.csv" --class 1 \
    --out "$T/m-ssd.fgm" --state "$T/ssd.state"
has "$T/out" "dampened=" "ssd report"
has "$T/out" "guard_cost=" "ssd reports its guard"
# (three scattered rows cost this model 26 points at ssd's default)
expect 1 "ssd's guard refuses a costly request" -- "$FORGET" unlearn \
    --model "$T/m.fgm" --method ssd --data "$T/train.csv" \
    --ids "$T/ids.txt" --out "$T/x-guard.fgm"
has "$T/err" "refused: the request would cost" "the guard's message"
if [ -e "$T/x-guard.fgm" ]; then bad "a refused request wrote --out"; else ok; fi
expect 0 "unlearn ssd calibrated to held-out rows" -- "$FORGET" unlearn \
    --model "$T/m.fgm" --method ssd --params "target=heldout tolerance=1" \
    --data "$T/train.csv" --heldout "$T/test.csv" --class 1 \
    --out "$T/m-cal.fgm"
has "$T/out" "calibrated_alpha=" "calibrated ssd reports its alpha"
expect 1 "calibrated without held-out rows" -- "$FORGET" unlearn \
    --model "$T/m.fgm" --method ssd --params "target=heldout" \
    --data "$T/train.csv" --class 1 --out "$T/m-cal2.fgm"
has "$T/err" "held-out" "the missing held-out rows are named"
expect 1 "held-out file missing" -- "$FORGET" unlearn --model "$T/m.fgm" \
    --method ssd --params "target=heldout" --data "$T/train.csv" \
    --heldout "$T/none.csv" --class 1 --out "$T/m-cal3.fgm"
expect 0 "unlearn ssd again from state" -- "$FORGET" unlearn \
    --model "$T/m-ssd.fgm" --state "$T/ssd.state" --data "$T/train.csv" \
    --ids "$T/ids.txt" --out "$T/m-ssd2.fgm"
expect 0 "info state" -- "$FORGET" info "$T/ssd.state"
has "$T/out" "method ssd" "state info"
expect 0 "info state --model" -- "$FORGET" info "$T/ssd.state" --model "$T/m-ssd2.fgm"
has "$T/out" "valid for" "state validated"
expect 1 "info state, wrong model" -- "$FORGET" info "$T/ssd.state" --model "$T/lin.fgm"
head -c 200 "$T/ssd.state" > "$T/cut.state"
expect 1 "info on a cut state" -- "$FORGET" info "$T/cut.state"
has "$T/err" "truncated" "a cut state is named truncated"
expect 0 "unlearn analytic by ids" -- "$FORGET" unlearn --model "$T/a.fgm" \
    --method analytic --params keep_rows=true --data "$T/train.csv" \
    --ids "$T/ids.txt" --out "$T/a2.fgm" --state "$T/a.state"
has "$T/out" "woodbury=" "analytic report"
expect 0 "unlearn sisa" -- "$FORGET" unlearn --model "$T/lin.fgm" \
    --method sisa --params "shards=2 slices=2 train=\"batch=16\"" \
    --data "$T/train.csv" --ids "$T/ids.txt" --state "$T/sisa.state"
has "$T/out" "shards_retrained=" "sisa report"
expect 0 "unlearn sisa repeat" -- "$FORGET" unlearn --model "$T/lin.fgm" \
    --state "$T/sisa.state" --ids "$T/ids.txt"
has "$T/out" "already_forgotten=3" "repeat reported"
expect 2 "unlearn sisa --out" -- "$FORGET" unlearn --model "$T/lin.fgm" \
    --state "$T/sisa.state" --ids "$T/ids.txt" --out "$T/s.fgm"
# --store: the checkpoint directory is the host's choice, also for a
# saved state (whose own store may be gone, or not be the host's)
mkdir "$T/storeA" "$T/storeB"
expect 0 "unlearn sisa --store" -- "$FORGET" unlearn --model "$T/lin.fgm" \
    --method sisa --params "shards=2 slices=2 train=\"batch=16\"" \
    --data "$T/train.csv" --ids "$T/ids.txt" --state "$T/st.state" \
    --store "$T/storeA"
[ "$(ls "$T/storeA" | grep -c '^sisa-s[01]-r[01]-g[0-9]*\.ckpt$')" = 4 ] && ok ||
    bad "--store: 4 checkpoint files in storeA: $(ls "$T/storeA")"
rm -rf "$T/storeA"
printf '40\n' > "$T/s1.txt"
expect 1 "unlearn sisa, its saved store gone" -- "$FORGET" unlearn \
    --model "$T/lin.fgm" --state "$T/st.state" --ids "$T/s1.txt"
has "$T/err" "storeA" "the missing store named"
expect 0 "unlearn sisa --store of the host" -- "$FORGET" unlearn \
    --model "$T/lin.fgm" --state "$T/st.state" --ids "$T/s1.txt" \
    --store "$T/storeB"
[ "$(ls "$T/storeB" | grep -c '^sisa-s[01]-r[01]-g[0-9]*\.ckpt$')" = 4 ] && ok ||
    bad "--store: 4 checkpoint files in storeB: $(ls "$T/storeB")"
expect 0 "unlearn sisa, the saved store is now the host's" -- "$FORGET" \
    unlearn --model "$T/lin.fgm" --state "$T/st.state" --ids "$T/s1.txt"
has "$T/out" "already_forgotten=1" "the request held"
expect 2 "--store with a quote" -- "$FORGET" unlearn --model "$T/lin.fgm" \
    --state "$T/st.state" --ids "$T/s1.txt" --store "$T/a\"b"
# the deletion journal: logged requests, recovery after a "crash" (the
# state from before the last request), damage reported, repair on request
printf '20\n21\n' > "$T/j1.txt"; printf '22\n' > "$T/j2.txt"; printf '23\n' > "$T/j3.txt"
expect 0 "unlearn sisa --journal" -- "$FORGET" unlearn --model "$T/lin.fgm" \
    --method sisa --params "shards=2 slices=2 train=\"batch=16\"" \
    --data "$T/train.csv" --ids "$T/j1.txt" --state "$T/js.state" \
    --journal "$T/d.journal"
has "$T/out" "journal_seq=1" "journaled request numbered"
cp "$T/js.state" "$T/js-before.state"
expect 0 "unlearn sisa --journal again" -- "$FORGET" unlearn \
    --model "$T/lin.fgm" --state "$T/js.state" --ids "$T/j2.txt" \
    --journal "$T/d.journal"
has "$T/out" "journal_seq=2" "second request numbered"
cp "$T/js-before.state" "$T/js.state"
expect 0 "unlearn after a lost save" -- "$FORGET" unlearn \
    --model "$T/lin.fgm" --state "$T/js.state" --ids "$T/j3.txt" \
    --journal "$T/d.journal"
has "$T/out" "journal_seq=3" "request 2 finished again, then request 3"
cp "$T/js-before.state" "$T/js3.state"
expect 0 "unlearn from the old state again" -- "$FORGET" unlearn \
    --model "$T/lin.fgm" --state "$T/js3.state" --ids "$T/j3.txt" \
    --journal "$T/d.journal"
has "$T/out" "already_forgotten=1" "requests 2 and 3 finished, 23 a repeat"
expect 1 "unlearn, a state the journal never saw" -- "$FORGET" unlearn \
    --model "$T/lin.fgm" --state "$T/sisa.state" --ids "$T/j3.txt" \
    --journal "$T/d.journal"
has "$T/err" "matches no state" "foreign state refused"
head -c -10 "$T/d.journal" > "$T/cut.journal"
cp "$T/js.state" "$T/js2.state"
expect 1 "unlearn, journal cut short" -- "$FORGET" unlearn \
    --model "$T/lin.fgm" --state "$T/js2.state" --ids "$T/j3.txt" \
    --journal "$T/cut.journal"
has "$T/err" "REPAIR" "cut-short journal reported"
expect 0 "unlearn --repair-journal" -- "$FORGET" unlearn \
    --model "$T/lin.fgm" --state "$T/js2.state" --ids "$T/j3.txt" \
    --journal "$T/cut.journal" --repair-journal
expect 0 "journal listing" -- "$FORGET" journal "$T/d.journal" --ids
has "$T/out" "request .* forget 2 ids" "journal lists the first request"
has "$T/out" "ids 20 21" "journal lists ids"
has "$T/out" "method sisa" "journal names its method"
expect 2 "journal without a file" -- "$FORGET" journal
expect 1 "journal missing file" -- "$FORGET" journal "$T/none.journal"
# a state saved with a journal takes no other (a typo, a deleted file),
# unless a new one is asked for; the chain verifies, a changed byte does not
expect 1 "unlearn, another journal path" -- "$FORGET" unlearn \
    --model "$T/lin.fgm" --state "$T/js2.state" --ids "$T/j3.txt" \
    --journal "$T/typo.journal"
has "$T/err" "new-journal\|FORGET_JOURNAL_NEW" "another journal refused"
[ ! -e "$T/typo.journal" ] && ok || bad "a refused journal path was created"
cp "$T/js2.state" "$T/js4.state"
expect 0 "unlearn --new-journal" -- "$FORGET" unlearn \
    --model "$T/lin.fgm" --state "$T/js4.state" --ids "$T/j3.txt" \
    --journal "$T/new.journal" --new-journal
expect 1 "unlearn, the old journal for the new state" -- "$FORGET" unlearn \
    --model "$T/lin.fgm" --state "$T/js4.state" --ids "$T/j3.txt" \
    --journal "$T/d.journal"
expect 0 "journal --verify" -- "$FORGET" journal --verify "$T/d.journal"
has "$T/out" "chain verified: [0-9]* records" "chain verified"
cp "$T/d.journal" "$T/flip.journal"
printf 'X' | dd of="$T/flip.journal" bs=1 seek=200 conv=notrunc 2>/dev/null
expect 1 "journal --verify, a changed byte" -- "$FORGET" journal --verify \
    "$T/flip.journal"
has "$T/out" "chain broken: record [0-9]* (byte [0-9]*)" "bad record named"
head -c 40 /dev/zero > "$T/key"
expect 1 "journal --verify --key-file, no key in the journal" -- "$FORGET" \
    journal --verify --key-file "$T/key" "$T/d.journal"
has "$T/err" "without a key" "unkeyed journal not authenticated"
printf 'short' > "$T/short.key"
expect 1 "journal --verify, short key" -- "$FORGET" journal --verify \
    --key-file "$T/short.key" "$T/d.journal"
expect 2 "journal --key-file without --verify" -- "$FORGET" journal \
    --key-file "$T/key" "$T/d.journal"
printf 'not a journal at all' > "$T/bad.journal"
expect 1 "unlearn, not a journal" -- "$FORGET" unlearn \
    --model "$T/lin.fgm" --state "$T/js2.state" --ids "$T/j3.txt" \
    --journal "$T/bad.journal" --repair-journal
has "$T/err" "not a libforget journal" "foreign journal refused"
printf '77777\n' > "$T/unknown.txt"
expect 1 "unlearn unknown id" -- "$FORGET" unlearn --model "$T/lin.fgm" \
    --state "$T/sisa.state" --ids "$T/unknown.txt"
has "$T/err" "77777" "unknown id named"
printf 'x1\n' > "$T/badids.txt"
expect 2 "unlearn bad ids file" -- "$FORGET" unlearn --model "$T/m.fgm" \
    --method ssd --data "$T/train.csv" --ids "$T/badids.txt" --out "$T/x.fgm"
has "$T/err" "line 1" "bad id line named"
expect 2 "unlearn both ids and class" -- "$FORGET" unlearn --model "$T/m.fgm" \
    --ids "$T/ids.txt" --class 1
expect 2 "unlearn no state no method" -- "$FORGET" unlearn --model "$T/m.fgm" \
    --class 1
expect 2 "unlearn method mismatch" -- "$FORGET" unlearn \
    --model "$T/m-ssd2.fgm" --state "$T/ssd.state" --method analytic \
    --class 1 --data "$T/train.csv" --out "$T/x.fgm"
expect 1 "unlearn unknown method" -- "$FORGET" unlearn --model "$T/m.fgm" \
    --method nope --data "$T/train.csv" --class 1 --out "$T/x.fgm"
expect 2 "unlearn bad class" -- "$FORGET" unlearn --model "$T/m.fgm" \
    --method ssd --data "$T/train.csv" --class x --out "$T/x.fgm"
# the result always has a place, never over an input, never a model the
# state does not describe (a second run from the original model)
expect 2 "unlearn with nowhere to put the result" -- "$FORGET" unlearn \
    --model "$T/m.fgm" --method ssd --data "$T/train.csv" --class 1
has "$T/err" "nowhere" "no output refused"
expect 2 "unlearn ssd with only --state" -- "$FORGET" unlearn \
    --model "$T/m.fgm" --method ssd --data "$T/train.csv" --class 1 \
    --state "$T/only.state"
has "$T/err" "give --out" "a lost model change refused"
[ ! -e "$T/only.state" ] && ok || bad "a refused run wrote its state"
expect 2 "unlearn --out over --model" -- "$FORGET" unlearn \
    --model "$T/m.fgm" --method ssd --data "$T/train.csv" --class 1 \
    --out "$T/m.fgm"
expect 2 "unlearn sisa without --state" -- "$FORGET" unlearn \
    --model "$T/lin.fgm" --method sisa --params "shards=2 slices=2" \
    --data "$T/train.csv" --ids "$T/ids.txt" --out "$T/x.fgm"
cp "$T/m-ssd2.fgm" "$T/rerun-out.fgm"
expect 1 "unlearn rerun from the original model" -- "$FORGET" unlearn \
    --model "$T/m.fgm" --state "$T/ssd.state" --ids "$T/ids.txt" \
    --out "$T/rerun-out.fgm"
has "$T/err" "saved with the model" "a state paired with another model"
cmp -s "$T/m-ssd2.fgm" "$T/rerun-out.fgm" && ok || bad "rerun wrote --out"

# ---- one writer: locks, concurrent requests, failed saves ----
# Two unlearn processes on one journal-less sisa state, started together,
# three times: each waits for the other (the state is locked from load to
# save), so every deletion is in the state afterwards.
awk 'BEGIN { srand(9); for (i = 0; i < 2000; i++) { c = i % 3;
     printf "%d", c; for (j = 0; j < 4; j++) printf ",%.4f", (j == c) * 3 + rand();
     printf "\n" } }' > "$T/big.csv"
printf '0\n' > "$T/w0.txt"
expect 0 "unlearn sisa, a state for two writers" -- "$FORGET" unlearn \
    --model "$T/lin.fgm" --method sisa \
    --params "shards=1 slices=1 epochs=30 train=\"batch=16\"" \
    --data "$T/big.csv" --ids "$T/w0.txt" --state "$T/two.state" --quiet
: > "$T/wall.txt"
for round in 1 2 3; do
    a=$((round * 2)); b=$((round * 2 + 1))
    printf '%s\n' "$a" > "$T/wa.txt"; printf '%s\n' "$b" > "$T/wb.txt"
    printf '%s\n%s\n' "$a" "$b" >> "$T/wall.txt"
    $WRAP "$FORGET" unlearn --model "$T/lin.fgm" --state "$T/two.state" \
        --ids "$T/wa.txt" --quiet 2>"$T/erra" & pa=$!
    $WRAP "$FORGET" unlearn --model "$T/lin.fgm" --state "$T/two.state" \
        --ids "$T/wb.txt" --quiet 2>"$T/errb" & pb=$!
    wait $pa; sa=$?; wait $pb; sb=$?
    [ "$sa" = 0 ] && [ "$sb" = 0 ] && ok || {
        bad "two writers, round $round: exits $sa and $sb"; cat "$T/erra" "$T/errb"; }
done
expect 0 "every deletion of the two writers is in the state" -- "$FORGET" \
    unlearn --model "$T/lin.fgm" --state "$T/two.state" --ids "$T/wall.txt"
has "$T/out" "already_forgotten=6 " "both writers' deletions kept, every round"
[ -e "$T/two.state.lock" ] && ok || bad "no lock file beside the state"
# --no-wait: a held lock fails at once, naming the state and its lock file
if command -v flock >/dev/null 2>&1; then
    sh -c 'exec 9>>"$1" && flock 9 && exec sleep 30' sh "$T/two.state.lock" \
        >/dev/null 2>&1 & holder=$!
    i=0   # until the holder has it
    while flock -n "$T/two.state.lock" true && [ $i -lt 100 ]; do
        sleep 0.1; i=$((i + 1)); done
    expect 1 "unlearn --no-wait on a locked state" -- "$FORGET" unlearn \
        --model "$T/lin.fgm" --state "$T/two.state" --ids "$T/w0.txt" --no-wait
    has "$T/err" "two.state.lock" "the lock file named"
    has "$T/err" "no-wait" "the option named"
    kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
fi
# A save that fails after the deletion took effect (the file size limit
# stands in for a full disk: EFBIG like ENOSPC): exit 1, and the message
# says the deletion took effect, which file was not saved, and that the
# journal records it; the next run finishes the request.
cp "$T/two.state" "$T/full.state"
printf '30\n' > "$T/full.txt"
(trap '' XFSZ; ulimit -f 8 && exec $WRAP "$FORGET" unlearn \
    --model "$T/lin.fgm" --state "$T/full.state" --ids "$T/full.txt" \
    --journal "$T/full.journal") >"$T/out" 2>"$T/err"
got=$?
if grep -q "too large\|No space" "$T/err"; then
    [ "$got" = 1 ] && ok || bad "a failed save: exit $got, want 1"
    has "$T/err" "deletion took effect" "a failed save says the deletion took effect"
    has "$T/err" "full.state was not saved" "the unsaved file named"
    has "$T/err" "journal $T/full.journal records it" "the journal named"
    cmp -s "$T/two.state" "$T/full.state" && ok || bad "a failed save changed the state"
    expect 0 "the next run finishes the request" -- "$FORGET" unlearn \
        --model "$T/lin.fgm" --state "$T/full.state" --ids "$T/full.txt" \
        --journal "$T/full.journal"
    has "$T/out" "already_forgotten=1" "the deletion was recovered from the journal"
else
    echo "SKIP: a file size limit does not fail saves here"
fi
# A save through a symbolic link replaces the link's target (mode kept),
# not the link.
cp "$T/two.state" "$T/real.state"; chmod 640 "$T/real.state"
ln -s real.state "$T/link.state"
expect 0 "unlearn, the state a symbolic link" -- "$FORGET" unlearn \
    --model "$T/lin.fgm" --state "$T/link.state" --ids "$T/full.txt"
[ -L "$T/link.state" ] && ok || bad "the save replaced the symbolic link"
[ "$(stat -c %a "$T/real.state")" = 640 ] && ok || bad "the target's mode: $(stat -c %a "$T/real.state")"
cmp -s "$T/two.state" "$T/real.state" && bad "the link's target was not saved" || ok

# ---- export ----
expect 0 "export a sisa ensemble" -- "$FORGET" export --model "$T/lin.fgm" \
    --state "$T/sisa.state" --out "$T/part"
has "$T/out" "part-1.fgm" "one file per shard"
[ -e "$T/part-0.fgm" ] && [ -e "$T/part-1.fgm" ] && [ ! -e "$T/part-2.fgm" ] \
    && ok || bad "export wrote other than 2 constituents"
expect 0 "a constituent is a model" -- "$FORGET" info "$T/part-0.fgm"
expect 0 "export an ssd state's model" -- "$FORGET" export \
    --model "$T/m-ssd2.fgm" --state "$T/ssd.state" --out "$T/ssd-export"
cmp -s "$T/ssd-export.fgm" "$T/m-ssd2.fgm" && ok || bad "ssd export differs"
expect 2 "export without --out" -- "$FORGET" export --model "$T/lin.fgm" \
    --state "$T/sisa.state"
expect 1 "export with another model" -- "$FORGET" export --model "$T/m.fgm" \
    --state "$T/ssd.state" --out "$T/x"

# ---- safetensors: export, import, hostile files ----
expect 0 "export --safetensors" -- "$FORGET" export --model "$T/m.fgm" \
    --safetensors "$T/m.safetensors"
has "$T/out" "m.safetensors" "the path printed"
expect 0 "import it back" -- "$FORGET" import "$T/m.safetensors" \
    --out "$T/m-back.fgm"
has "$T/out" "imported mlp (layers=4-8-3 act=relu" "import summary"
cmp -s "$T/m.fgm" "$T/m-back.fgm" && ok || bad "export then import changed the model"
expect 0 "export --names torch" -- "$FORGET" export --model "$T/m.fgm" \
    --safetensors "$T/torch.safetensors" --names torch
if grep -aq '"2.bias"' "$T/torch.safetensors" && ! grep -aq dense0 "$T/torch.safetensors"
then ok; else bad "torch names not written"; fi
expect 0 "import torch names as tanh regression" -- "$FORGET" import \
    "$T/torch.safetensors" --out "$T/tanh.fgm" --act tanh --task regression --quiet
[ -s "$T/out" ] && bad "import --quiet printed" || ok
expect 0 "info on the imported model" -- "$FORGET" info "$T/tanh.fgm"
has "$T/out" "act=tanh task=regression" "overrides kept"
expect 1 "import --kind linear of two layers" -- "$FORGET" import \
    "$T/m.safetensors" --out "$T/x.fgm" --kind linear
has "$T/err" "kind=linear takes one layer" "linear of two layers refused"
[ ! -e "$T/x.fgm" ] && ok || bad "a refused import wrote its output"
expect 2 "import --act with a space" -- "$FORGET" import "$T/m.safetensors" \
    --out "$T/x.fgm" --act "tanh task=regression"
expect 1 "import --kind analytic" -- "$FORGET" import "$T/m.safetensors" \
    --out "$T/x.fgm" --kind analytic
expect 2 "import without --out" -- "$FORGET" import "$T/m.safetensors"
expect 1 "import a missing file" -- "$FORGET" import "$T/none.safetensors" \
    --out "$T/x.fgm"
mkfifo "$T/st-fifo"
expect 1 "import a FIFO" -- timeout 10 "$FORGET" import "$T/st-fifo" \
    --out "$T/x.fgm"
has "$T/err" "only regular files are read" "FIFO refused by import"
expect 1 "import a model file" -- "$FORGET" import "$T/m.fgm" --out "$T/x.fgm"
has "$T/err" "runs past the end" "a model file is not safetensors"
expect 1 "export an analytic model" -- "$FORGET" export --model "$T/a.fgm" \
    --safetensors "$T/a.safetensors"
has "$T/err" "only dense models" "analytic export refused"
[ ! -e "$T/a.safetensors" ] && ok || bad "a refused export wrote a file"
expect 2 "export --safetensors with --state" -- "$FORGET" export \
    --model "$T/m.fgm" --state "$T/ssd.state" --safetensors "$T/x.st"
expect 2 "export --names alone" -- "$FORGET" export --model "$T/m.fgm" \
    --state "$T/ssd.state" --out "$T/x" --names torch
expect 2 "export --names keras" -- "$FORGET" export --model "$T/m.fgm" \
    --safetensors "$T/x.st" --names keras
# hostile: a forged header length; a tensor name that would drive the
# terminal (ESC as \u001b in the JSON) is printed escaped
printf '\377\377\377\377\377\377\377\177{}' > "$T/forged.safetensors"
expect 1 "import a forged header length" -- "$FORGET" import \
    "$T/forged.safetensors" --out "$T/x.fgm"
has "$T/err" "runs past the end" "forged length refused"
h='{"\u001b]0;pwned\u0007\u001b[2J":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
n=$(printf '%s' "$h" | wc -c)
{ printf "$(printf '\\%03o' $((n % 256)) $((n / 256)))\000\000\000\000\000\000"
  printf '%s' "$h"; printf '\000\000\200\077'; } > "$T/evil.safetensors"
expect 1 "import a tensor named with escapes" -- "$FORGET" import \
    "$T/evil.safetensors" --out "$T/x.fgm"
has "$T/err" "is not part of a dense model" "the evil name refused"
if LC_ALL=C grep -q "$(printf '\033')" "$T/err"; then bad "import printed an escape byte"; else ok; fi
has "$T/err" 'x1b\]0;pwned' "the escape is shown escaped"

# ---- eval ----
expect 0 "eval a sisa result (--state)" -- "$FORGET" eval --model "$T/lin.fgm" \
    --state "$T/sisa.state" --data "$T/train.csv" --forget-ids "$T/ids.txt" \
    --test "$T/test.csv"
has "$T/out" "forget_accuracy" "sisa ensemble evaluated"
cp "$T/out" "$T/eval-ensemble.txt"
expect 0 "eval the template alone" -- "$FORGET" eval --model "$T/lin.fgm" \
    --data "$T/train.csv" --forget-ids "$T/ids.txt" --test "$T/test.csv"
cmp -s "$T/out" "$T/eval-ensemble.txt" && bad "--state evaluated the template, not the ensemble" || ok
expect 1 "eval a state with another model" -- "$FORGET" eval \
    --model "$T/m.fgm" --state "$T/ssd.state" --data "$T/train.csv"
has "$T/err" "saved with the model" "eval refuses a mismatched pair"
expect 0 "eval" -- "$FORGET" eval --model "$T/m.fgm" --data "$T/train.csv" \
    --test "$T/test.csv" --forget-ids "$T/ids.txt" --reference "$T/m-ssd.fgm"
has "$T/out" "test_accuracy" "eval test accuracy"
has "$T/out" "mia" "eval mia"
has "$T/out" "distance_max" "eval distance"
expect 0 "eval json" -- "$FORGET" eval --model "$T/m.fgm" --data "$T/train.csv" --json
has "$T/out" '^{"accuracy":' "eval json"
expect 1 "eval wrong data" -- "$FORGET" eval --model "$T/m.fgm" \
    --data "$T/ids.txt"
expect 2 "eval missing" -- "$FORGET" eval --model "$T/m.fgm"

# ---- compare ----
# The rows ids.txt names (3, 6, 9) and the rest, as files of their own, and
# the model retrained without them.
awk 'NR == 4 || NR == 7 || NR == 10' "$T/train.csv" > "$T/forget.csv"
awk 'NR != 4 && NR != 7 && NR != 10' "$T/train.csv" > "$T/retain.csv"
expect 0 "train the retrained model" -- "$FORGET" train --data "$T/retain.csv" \
    --kind mlp --params "layers=4-8-3" --train "epochs=20 batch=16" \
    --out "$T/retrained.fgm" --quiet
expect 0 "compare" -- "$FORGET" compare --model "$T/m-ssd.fgm" \
    --retrained "$T/retrained.fgm" --original "$T/m.fgm" \
    --forget "$T/forget.csv" --retain "$T/retain.csv" --test "$T/test.csv"
has "$T/out" "^ *model *retrained *original *gap (pts)" "compare table header"
has "$T/out" "^forget_acc *[0-9.]* *[0-9.]* *[0-9.]* *[0-9.]*$" "compare forget row"
has "$T/out" "^avg_gap *[0-9.]*$" "compare average gap"
cp "$T/out" "$T/compare-files.txt"
expect 0 "compare, the sets split by ids" -- "$FORGET" compare \
    --model "$T/m-ssd.fgm" --retrained "$T/retrained.fgm" --original "$T/m.fgm" \
    --data "$T/train.csv" --forget-ids "$T/ids.txt" --test "$T/test.csv"
cmp -s "$T/out" "$T/compare-files.txt" && ok || bad "--data/--forget-ids differs from --forget/--retain"
# The JSON's figures are forget eval's (the same functions, printed alike).
expect 0 "compare json" -- "$FORGET" compare --model "$T/m-ssd.fgm" \
    --data "$T/train.csv" --forget-ids "$T/ids.txt" --test "$T/test.csv" --json
has "$T/out" '^{"forget_acc":[0-9.e-]*,"retain_acc":' "compare json keys"
has "$T/out" '"ref_mia":null,' "no retrained model: null"
has "$T/out" '"gap_forget_acc":null,.*"avg_gap":null}$' "no retrained model: no gaps"
cp "$T/out" "$T/compare.json"
expect 0 "eval beside it" -- "$FORGET" eval --model "$T/m-ssd.fgm" \
    --data "$T/train.csv" --forget-ids "$T/ids.txt" --test "$T/test.csv" --json
for pair in forget_acc:forget_accuracy retain_acc:retain_accuracy mia:mia; do
    a=$(sed -n "s/.*\"${pair%%:*}\":\([^,}]*\).*/\1/p" "$T/compare.json")
    b=$(sed -n "s/.*\"${pair#*:}\":\([^,}]*\).*/\1/p" "$T/out")
    [ -n "$a" ] && [ "$a" = "$b" ] && ok || bad "compare ${pair%%:*} '$a' is not eval's '$b'"
done
expect 0 "compare a model with itself" -- "$FORGET" compare --model "$T/m.fgm" \
    --retrained "$T/m.fgm" --forget "$T/forget.csv" --retain "$T/retain.csv" \
    --test "$T/test.csv" --json
has "$T/out" '"gap_forget_acc":0,"gap_retain_acc":0,"gap_test_acc":0,"gap_mia":0,"gap_loss_auc":0,"avg_gap":0}' "itself: every gap 0"
expect 0 "compare without the others" -- "$FORGET" compare --model "$T/m.fgm" \
    --forget "$T/forget.csv" --retain "$T/retain.csv" --test "$T/test.csv"
has "$T/out" "^mia *[0-9.]* *- *- *-$" "models not given shown as -"
# (150 rows as the forget set: three give too coarse a loss AUC to tell
# the two models apart)
seq 0 149 > "$T/half.txt"
expect 0 "compare a sisa result (--state)" -- "$FORGET" compare \
    --model "$T/lin.fgm" --state "$T/sisa.state" --data "$T/train.csv" \
    --forget-ids "$T/half.txt" --test "$T/test.csv" --json
cp "$T/out" "$T/compare-ensemble.json"
expect 0 "compare the template alone" -- "$FORGET" compare --model "$T/lin.fgm" \
    --data "$T/train.csv" --forget-ids "$T/half.txt" --test "$T/test.csv" --json
cmp -s "$T/out" "$T/compare-ensemble.json" && bad "--state judged the template, not the ensemble" || ok
expect 0 "train a 4-output model" -- "$FORGET" train --data "$T/train.csv" \
    --kind mlp --params "layers=4-5-4" --out "$T/four.fgm" --quiet
expect 1 "compare with another shape" -- "$FORGET" compare --model "$T/m.fgm" \
    --retrained "$T/four.fgm" --forget "$T/forget.csv" --retain "$T/retain.csv" \
    --test "$T/test.csv"
has "$T/err" "retrained takes 4 inputs to 4 outputs" "shape mismatch named"
[ -s "$T/out" ] && bad "a refused compare printed a scorecard" || ok
expect 1 "compare a file that is no model" -- "$FORGET" compare --model "$T/m.fgm" \
    --original "$T/train.csv" --forget "$T/forget.csv" --retain "$T/retain.csv" \
    --test "$T/test.csv"
has "$T/err" "train.csv" "bad original named"
expect 2 "compare without --test" -- "$FORGET" compare --model "$T/m.fgm" \
    --forget "$T/forget.csv" --retain "$T/retain.csv"
expect 2 "compare with both ways to give the sets" -- "$FORGET" compare \
    --model "$T/m.fgm" --forget "$T/forget.csv" --data "$T/train.csv" \
    --forget-ids "$T/ids.txt" --test "$T/test.csv"
has "$T/err" "give --forget and --retain, or --data and --forget-ids" "the two ways named"
expect 2 "compare with --forget alone" -- "$FORGET" compare --model "$T/m.fgm" \
    --forget "$T/forget.csv" --test "$T/test.csv"

# ---- hostile files: nothing from a file reaches the terminal raw ----
# A state whose method and parameter strings carry an OSC title, a screen
# clear and a fake "valid" line (info lists sections without checking CRCs).
printf '\211FGT\r\n\032\n\001\000\000\000\002\000\000\000' > "$T/evil.state"
sec() { # tag payload: a section header with a zero CRC, then the payload
    n=$(printf '%s' "$2" | wc -c)
    printf '%s\000\000\000\000' "$1" >> "$T/evil.state"
    printf "$(printf '\\%03o' $((n % 256)) $((n / 256)))\000\000\000\000\000\000" >> "$T/evil.state"
    printf '\000\000\000\000\000\000\000\000' >> "$T/evil.state"
    printf '%s' "$2" >> "$T/evil.state"
    pad=$(( (8 - n % 8) % 8 )); [ "$pad" = 0 ] || head -c "$pad" /dev/zero >> "$T/evil.state"
}
sec _MTH "$(printf 'ssd\033]0;pwned\007\033[2J')"
sec _PAR "$(printf 'alpha=1\n  valid for model.fgm (prepared)\033[H')"
sec 'END ' ''
expect 0 "info on a hostile state" -- "$FORGET" info "$T/evil.state"
if LC_ALL=C grep -q "$(printf '\033')" "$T/out"; then bad "info printed an escape byte"; else ok; fi
if grep -q '^  valid' "$T/out"; then bad "info printed a forged line"; else ok; fi
has "$T/out" 'x1b\]0;pwned' "the escape is shown escaped"
# A FIFO or a device as a file: refused at once, never waited on.
mkfifo "$T/fifo"
expect 1 "info on a FIFO" -- timeout 10 "$FORGET" info "$T/fifo"
has "$T/err" "not a regular file" "FIFO refused"
expect 1 "--ids from /dev/zero" -- timeout 10 "$FORGET" unlearn \
    --model "$T/m.fgm" --method ssd --data "$T/train.csv" --ids /dev/zero \
    --out "$T/never.fgm"
has "$T/err" "not a regular file" "device refused as --ids"
expect 1 "--ids from a FIFO" -- timeout 10 "$FORGET" unlearn \
    --model "$T/m.fgm" --method ssd --data "$T/train.csv" --ids "$T/fifo" \
    --out "$T/never.fgm"
head -c 4096 /dev/zero > "$T/nul-ids.txt"
expect 2 "--ids of NUL bytes" -- "$FORGET" unlearn --model "$T/m.fgm" \
    --method ssd --data "$T/train.csv" --ids "$T/nul-ids.txt" --out "$T/never.fgm"
has "$T/err" "line 1: not a sample id" "NUL bytes are not ids"
[ ! -e "$T/never.fgm" ] && ok || bad "a refused unlearn wrote its output"

# every subcommand answers --help
for c in methods train unlearn eval compare info journal export import; do
    expect 0 "$c --help" -- "$FORGET" "$c" --help
    has "$T/out" "usage: forget $c" "$c help"
done

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
