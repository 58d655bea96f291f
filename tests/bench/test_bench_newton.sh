#!/bin/sh
# Smoke test of bench_newton on its generated data (no Fashion-MNIST
# needed): the three removals run, the JSON holds consistent figures, the
# step lands near the retrained optimum (libforget's retrain, polished by
# Newton steps, and scikit-learn's fit when scikit-learn is installed),
# the block preconditioner beats the diagonal one, and bad options are
# refused.
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
if "$bin" --synthetic --lambda 0.01 --dir "$dir" $sk --reps 2 --newton "" \
    --newton preconditioner=diagonal >"$dir/out.json" 2>"$dir/err"; then
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
check(o["train_acc"] > 0.5 and o["grad_norm"] < 1e-6, "the original is trained and polished")
rs = doc["removals"]
check([r["rows"] for r in rs] == [1, 10, 100], "removals of 1, 10, 100 rows")
for r in rs:
    m = "%d rows: " % r["rows"]
    check(r["retained_rows"] == 3000 - r["rows"], m + "retained = n - m")
    check(r["retrain_seconds"] > 0 and r["retrain_grad_norm"] < 1e-6,
          m + "the retrained model is polished to the optimum")
    check([x["params"] for x in r["newton"]] == ["", "preconditioner=diagonal"],
          m + "the two newton runs asked for")
    for x in r["newton"]:
        w = m + (x["params"] or "default") + ": "
        check(x["cg_iterations"] >= 1 and x["cg_residual"] <= 1e-6, w + "CG converged")
        check(x["residual_norm"] < 0.01 * x["residual_norm_before"],
              w + "the step lowers the gradient 100-fold")
        check(len(x["forget_seconds_all"]) == 2 and
              x["forget_seconds"] == max(x["forget_seconds_all"]) and
              x["prepare_seconds"] >= 0, w + "times (the median of 2 is the larger)")
        check(x["vs_retrain"]["l2"] < 0.05 * r["original_vs_retrain"]["l2"],
              w + "newton lands 20x nearer the retrained model than the original is")
        check(abs(x["test_acc"] - r["test_acc"]["retrain"]) <= 0.002,
              w + "test accuracy of the retrained model")
        if with_sk:
            check(x["vs_sklearn"]["l2"] < 0.1 * r["original_vs_sklearn"]["l2"],
                  w + "and near scikit-learn's fit")
    d = r["newton"]
    check(d[0]["cg_iterations"] < d[1]["cg_iterations"],
          m + "the block preconditioner takes fewer iterations than the diagonal")
    if with_sk:
        s = r["sklearn"]
        check(s["iterations"] > 0 and s["seconds"] > 0, m + "scikit-learn ran")
        check(s["grad_norm"] < 1e-4, m + "scikit-learn's fit is near the optimum")
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
