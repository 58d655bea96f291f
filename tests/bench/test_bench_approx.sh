#!/bin/sh
# Smoke test of bench_approx on its generated data (no Fashion-MNIST
# needed): every kind of case runs, the JSON holds what the tables say,
# and bad cases and rules are refused with a message.
#   tests/bench/test_bench_approx.sh build/bench/bench_approx
set -u
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

if "$bin" --synthetic --json "$dir/a.json" >"$dir/out.md" 2>"$dir/err"; then
    ok
else
    bad "the synthetic run failed: $(tail -3 "$dir/err")"
fi
grep -q '^### flip:3:4' "$dir/out.md" && ok || bad "no table for flip:3:4"

# What the JSON must say (each line one assertion).
/usr/bin/python3 - "$dir/a.json" >"$dir/py" 2>&1 <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
def check(cond, what):
    print(("ok " if cond else "FAIL ") + what)
cases = {c["spec"]: c for c in doc["cases"]}
check(list(cases) == ["class:0", "rule:class=1,feature=mean,half=upper",
                      "rule:class=2,feature=region,region=0:4:0:8,q=0.5:1",
                      "random:0.05", "flip:3:4"], "the synthetic cases, in order")
check(doc["original"]["train_acc"] >= 0.98, "the original memorises")
n = doc["train_rows"]
ssd_ran = 0
for spec, c in cases.items():
    check(c["forget_rows"] + c["retain_rows"] == n, spec + ": F + R = training rows")
    check(c["retrained"]["gap"] == 0, spec + ": the retrained model's gap is 0")
    runs = {r["method"] + (" " + r["params"] if r["params"] else ""): r for r in c["runs"]}
    ssd = runs.get("ssd")
    # ran, or refused by its retained-accuracy guard (saying so)
    check(ssd is not None and (ssd["status"] == "ran" or
                               (ssd["status"] == "refused" and
                                "guard" in ssd.get("note", ""))),
          spec + ": ssd ran or its guard refused")
    ssd_ran += ssd is not None and ssd["status"] == "ran"
    if ssd and ssd["status"] == "ran":
        gap = 25 * sum(abs(ssd[k] - c["retrained"][k])
                       for k in ("forget_acc", "retain_acc", "test_acc", "mia"))
        check(abs(gap - ssd["gap"]) < 1e-3, spec + ": gap = mean |ssd - retrained| in points")
        check(ssd["time_vs_retrain"] > 0 and ssd["prepare_seconds"] >= 0,
              spec + ": times")
    check("ssd target=" + c["target"] in runs, spec + ": a calibrated ssd run")
    nt = runs.get("newton", {})
    check(nt.get("status") in ("skipped", "ran") or
          (nt.get("status") == "refused" and
           ("raises the retained objective" in nt.get("note", "") or
            "guard" in nt.get("note", ""))),
          spec + ": a method missing from the build is skipped, and newton's "
          "refused step (its line search) is not fatal")
check(ssd_ran >= 3, "ssd ran on most cases (%d of 5)" % ssd_ran)
c = cases["class:0"]
check(c["forget_rows"] == 100 and c["retrained"]["forget_acc"] == 0,
      "class:0: all 100 rows; the retrained model never predicts class 0")
check(c["original"]["gap"] > 10, "class:0: the original is far from retraining")
check(c["target"] == "forget_acc:0", "class:0: calibrated to forget_acc:0")
check(cases["rule:class=1,feature=mean,half=upper"]["forget_rows"] == 50,
      "rule half=upper: half of class 1's 100 rows")
check(cases["rule:class=2,feature=region,region=0:4:0:8,q=0.5:1"]["forget_rows"] == 50,
      "rule q=0.5:1: half of class 2's 100 rows")
check(cases["random:0.05"]["forget_rows"] == 50, "random:0.05: 50 of 1000 rows")
f = cases["flip:3:4"]
check(f["forget_rows"] == 5, "flip: 10% of the 50 relabelled rows")
check(f["original_train_acc"] > 0.5 and "class_acc" in f["original"],
      "flip: the poisoned original and the poisoned class's accuracy")
EOF
while read -r line; do
    case $line in
    ok*) ok ;;
    *) bad "$line" ;;
    esac
done <"$dir/py"

# The same run twice gives the same figures but for the times.
"$bin" --synthetic --json "$dir/b.json" --case class:0 --method "ssd alpha=3" \
    >/dev/null 2>&1 && "$bin" --synthetic --json "$dir/c.json" --case class:0 \
    --method "ssd alpha=3" >/dev/null 2>&1
if /usr/bin/python3 -c '
import json, sys
def strip(p):
    d = json.load(open(p))
    d.pop("total_seconds"); d["original"].pop("seconds")
    for c in d["cases"]:
        c["retrained"].pop("seconds")
        for r in c["runs"]:
            for k in ("prepare_seconds", "forget_seconds", "time_vs_retrain",
                      "forget_time_vs_retrain"):
                r.pop(k, None)
    return d
sys.exit(strip(sys.argv[1]) != strip(sys.argv[2]))' "$dir/b.json" "$dir/c.json"; then
    ok
else
    bad "two runs with the same seed differ"
fi

# Refusals: exit 2 and a sentence naming the problem.
for args in "--case rule:class=1,feature=bogus" "--case flip:2:2" \
    "--case random:1.5" "--case class:x" "--case nothing:1" "--bogus 1" \
    "--case rule:class=1,half=upper,q=0:0.5"; do
    # shellcheck disable=SC2086
    "$bin" --synthetic --json "$dir/x.json" $args >/dev/null 2>"$dir/err"
    rc=$?
    if [ $rc -eq 2 ] && grep -q 'bench_approx: ' "$dir/err"; then
        ok
    else
        bad "$args: exit $rc, $(cat "$dir/err")"
    fi
done
# A case that does not fit the data: exit 1 with the reason.
"$bin" --synthetic --json "$dir/x.json" --case class:12 >/dev/null 2>"$dir/err"
rc=$?
[ $rc -eq 1 ] && grep -q '10 classes' "$dir/err" && ok || bad "class:12: exit $rc"
"$bin" --help | grep -q 'region=R0:R1:C0:C1' && ok || bad "--help lacks the rule grammar"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
