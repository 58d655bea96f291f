#!/bin/sh
# Smoke test of bench_newton on its generated data (no Fashion-MNIST
# needed): the three removals run, the JSON holds consistent figures, the
# step brings the model nearer the retrained optimum (scikit-learn's, when
# scikit-learn is installed), and bad options are refused.
#   tests/bench/test_bench_newton.sh build/bench/bench_newton
set -u
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

sk=--no-sklearn
/usr/bin/python3 -c 'import sklearn' 2>/dev/null && sk=
# shellcheck disable=SC2086
if "$bin" --synthetic --lambda 0.01 --dir "$dir" $sk >"$dir/out.json" \
    2>"$dir/err"; then
    ok
else
    bad "the synthetic run failed: $(tail -3 "$dir/err")"
fi

/usr/bin/python3 - "$dir/out.json" "${sk:-sklearn}" >"$dir/py" 2>&1 <<'PY'
import json, sys
doc = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
with_sk = sys.argv[2] == "sklearn"
def check(cond, what):
    print(("ok " if cond else "FAIL ") + what)
o = doc["original"]
check(doc["train_rows"] == 3000 and doc["classes"] == 4, "the synthetic shape")
check(o["train_acc"] > 0.5 and o["grad_norm"] < 1e-2, "the original is trained")
rs = doc["removals"]
check([r["rows"] for r in rs] == [1, 10, 100], "removals of 1, 10, 100 rows")
for r in rs:
    m = "%d rows: " % r["rows"]
    check(r["retained_rows"] == 3000 - r["rows"], m + "retained = n - m")
    check(r["cg_iterations"] >= 1 and r["cg_residual"] <= 1e-6, m + "CG converged")
    check(r["residual_norm"] < r["residual_norm_before"], m + "the step lowers the gradient")
    check(r["forget_seconds"] > 0 and r["prepare_seconds"] >= 0 and r["retrain_seconds"] > 0,
          m + "times")
    for key in ("original", "newton", "retrain"):
        check(0 <= r["test_acc"][key] <= 1, m + key + " accuracy")
    if with_sk:
        s = r["sklearn"]
        check(s["iterations"] > 0 and s["seconds"] > 0, m + "scikit-learn ran")
        check(s["grad_norm"] < 1e-4, m + "scikit-learn's fit is near the optimum")
        check(r["newton_vs_sklearn"]["l2"] < 0.5 * r["original_vs_sklearn"]["l2"],
              m + "newton lands nearer the retrained optimum than the original (%.3g vs %.3g)" % (
                  r["newton_vs_sklearn"]["l2"], r["original_vs_sklearn"]["l2"]))
        check(r["newton_vs_sklearn"]["l2"] < r["retrain_vs_sklearn"]["l2"] + 1e-3,
              m + "and no farther than libforget's retrain")
PY
while read -r line; do
    case $line in
    ok*) ok ;;
    *) bad "$line" ;;
    esac
done <"$dir/py"

# Refusals: exit 2 and a sentence.
for args in "--bogus" "--lambda 0" "--removals 0" "--removals 5000" "--lambda"; do
    # shellcheck disable=SC2086
    "$bin" --synthetic --no-sklearn --dir "$dir" $args >/dev/null 2>"$dir/err"
    rc=$?
    if [ $rc -eq 2 ] && grep -q 'bench_newton: ' "$dir/err"; then
        ok
    else
        bad "$args: exit $rc, $(cat "$dir/err")"
    fi
done
"$bin" --help | grep -q 'removals' && ok || bad "--help"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
