"""libforget.sklearn: scikit-learn's own estimator checks, the estimators in
Pipeline / GridSearchCV / cross_val_score, and forget(ids): exact (sisa:
bit-identical to a fresh fit without the rows; analytic: to float64
rounding), refusals that change nothing, pickling."""
import pickle

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import libforget as lf  # noqa: E402
from libforget.sklearn import ForgetClassifier, ForgetRegressor  # noqa: E402

# The instances scikit-learn checks: both defaults (mlp + sisa), both
# analytic estimators, and the approximate ssd path. Defaults are small
# enough for the checks to take a second in all.
CHECKED = [ForgetClassifier(), ForgetRegressor(),
           ForgetClassifier(kind="analytic"), ForgetRegressor(kind="analytic"),
           ForgetClassifier(kind="linear", method="ssd"),
           ForgetRegressor(kind="linear", epochs=20, shards=2)]


@parametrize_with_checks(CHECKED)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def blobs(n=240, d=5, classes=3, seed=0, labels=None):
    """Separable classes, shifted so that standardising matters."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    x = rng.normal(0.0, 1.0, (n, d)) + 2.5 * np.eye(classes, d)[y] * 2
    x = x * np.arange(1, d + 1) + 10.0
    if labels is not None:
        y = np.asarray(labels)[y]
    return x, y


def regression(n=200, d=4, targets=1, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    w = rng.normal(size=(d, targets))
    y = np.tanh(x @ w) + 0.05 * rng.normal(size=(n, targets))
    return x, (y[:, 0] if targets == 1 else y)


# ---- scikit-learn's tools ----

def test_pipeline_grid_search_and_cross_validation():
    x, y = blobs()
    pipe = make_pipeline(StandardScaler(), ForgetClassifier(epochs=5))
    scores = cross_val_score(pipe, x, y, cv=4)
    assert scores.shape == (4,) and scores.min() > 0.9
    grid = GridSearchCV(pipe, {"forgetclassifier__hidden": [(4,), (32,)],
                               "forgetclassifier__lr": [1e-9, 0.01]}, cv=3)
    grid.fit(x, y)
    # lr=1e-9 cannot learn anything: the search must prefer lr=0.01
    assert grid.best_params_["forgetclassifier__lr"] == 0.01
    assert grid.best_score_ > 0.9
    best = grid.best_estimator_
    # the refit pipeline's estimator forgets like any other
    before = best.predict_proba(x)
    best[-1].forget(np.arange(0, len(x), 7))
    assert best[-1].report_["shards_retrained"] >= 1
    assert not np.array_equal(before, best.predict_proba(x))
    # sample ids travel as a fit parameter, split with the rows by the CV
    ids = np.arange(len(x), dtype=np.uint64) * 3 + 10 ** 12
    grid = GridSearchCV(pipe, {"forgetclassifier__epochs": [1, 2]}, cv=3)
    grid.fit(x, y, forgetclassifier__ids=ids)
    est = grid.best_estimator_[-1]
    est.forget(ids[:4])
    with pytest.raises(KeyError):
        est.forget([0])  # a row index is not an id here
    reg = GridSearchCV(make_pipeline(StandardScaler(), ForgetRegressor(kind="analytic")),
                       {"forgetregressor__gamma": [1e-3, 1e4]}, cv=3)
    xr, yr = regression()
    reg.fit(xr, yr)
    assert reg.best_params_["forgetregressor__gamma"] == 1e-3  # 1e4 shrinks to ~0


def test_params_stored_verbatim_and_checked_at_fit():
    hidden = [8, 4]
    est = ForgetClassifier(hidden=hidden, method_params={"aggregate": "vote"})
    assert est.get_params()["hidden"] is hidden
    est.set_params(lr=0.5, kind="linear")
    assert est.lr == 0.5 and est.kind == "linear"
    x, y = blobs(n=60)
    bad = [dict(kind="cnn"), dict(kind="mlp", method="analytic"),
           dict(kind="analytic", method="sisa"), dict(hidden=(0,)),
           dict(hidden="wide"), dict(act="sigmoid"), dict(lr=-1.0),
           dict(lr=float("nan")), dict(epochs=0), dict(batch=2.5),
           dict(shards=0), dict(optimizer="lbfgs"), dict(random_state=-1),
           dict(kind="analytic", gamma=0), dict(kind="analytic", features="rbf"),
           dict(method_params={"no_such_key": 1})]
    for params in bad:
        with pytest.raises(ValueError):
            ForgetClassifier(**params).fit(x, y)
        assert not hasattr(ForgetClassifier(**params), "classes_")


def test_a_failed_refit_leaves_the_estimator_as_it_was():
    x, y = blobs(n=90)
    est = ForgetClassifier(epochs=2).fit(x, y)
    proba, digest = est.predict_proba(x), est.model_.digest()
    state = dict(est.__dict__)
    x2, y2 = blobs(n=50, d=7, classes=4, seed=3)
    failures = [
        lambda: est.set_params(hidden=(0,)).fit(x2, y2),  # checked after the data
        lambda: est.set_params(hidden=(8,)).fit(x2, y2, ids=[1] * 50),  # repeated id
        lambda: est.fit(x2, y2, ids=np.arange(49)),  # an id short
        lambda: est.fit(x2, y2, ids=np.arange(50) - 1),  # a negative id
    ]
    for fail in failures:
        with pytest.raises(ValueError):
            fail()
        assert est.__dict__.keys() == state.keys()
        assert est.n_features_in_ == 5 and list(est.classes_) == [0, 1, 2]
        assert est._unlearner is state["_unlearner"]
        assert est.model_.digest() == digest
        np.testing.assert_array_equal(est.predict_proba(x), proba)


def test_fit_uses_every_parameter():
    """Each training parameter reaches the library: changing it changes the
    model (a parameter silently dropped would leave it equal)."""
    x, y = blobs(n=120)
    base = ForgetClassifier(hidden=(8,), epochs=2).fit(x, y).predict_proba(x)
    for change in [dict(hidden=(9,)), dict(act="tanh"), dict(epochs=3), dict(batch=16),
                   dict(lr=0.02), dict(optimizer="sgd"), dict(weight_decay=0.1),
                   dict(shards=3), dict(slices=2), dict(random_state=5),
                   dict(kind="linear"), dict(method_params={"aggregate": "vote"})]:
        other = ForgetClassifier(**{"hidden": (8,), "epochs": 2, **change}).fit(x, y)
        assert not np.array_equal(other.predict_proba(x), base), change
    sgd = dict(hidden=(8,), epochs=2, optimizer="sgd")
    a = ForgetClassifier(**sgd).fit(x, y).predict_proba(x)
    b = ForgetClassifier(**sgd, momentum=0.5).fit(x, y).predict_proba(x)
    assert not np.array_equal(a, b)
    an = ForgetClassifier(kind="analytic").fit(x, y).predict_proba(x)
    for change in [dict(width=64), dict(gamma=3.0), dict(features="identity"),
                   dict(act="tanh"), dict(random_state=3)]:
        other = ForgetClassifier(kind="analytic", **change).fit(x, y)
        assert not np.array_equal(other.predict_proba(x), an), change


# ---- forget: exact ----

@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kind", ["mlp", "linear"])
def test_sisa_forget_equals_fresh_fit_without_the_rows(kind, seed):
    rng = np.random.default_rng(seed)
    x, y = blobs(n=200, seed=seed, labels=["ant", "bee", "cat"])
    ids = rng.permutation(rng.integers(0, 2 ** 64 - 1, size=len(x), dtype=np.uint64,
                                       endpoint=True))
    assert len(np.unique(ids)) == len(ids)  # 200 draws of 64 bits
    params = dict(kind=kind, hidden=(8,), epochs=2, shards=3, slices=3, random_state=seed)
    est = ForgetClassifier(**params).fit(x, y, ids=ids)
    gone = rng.choice(len(x), size=25, replace=False)
    est.forget(ids[gone[:10]])
    est.forget(list(ids[gone[10:]]) + [ids[gone[0]]])  # a repeat is skipped
    assert est.report_["already_forgotten"] == 1
    keep = np.setdiff1d(np.arange(len(x)), gone)
    keep = rng.permutation(keep)  # the row order does not matter, the ids do
    fresh = ForgetClassifier(**params).fit(x[keep], y[keep], ids=ids[keep])
    assert list(fresh.classes_) == list(est.classes_) == ["ant", "bee", "cat"]
    assert est.model_.digest() == fresh.model_.digest()
    np.testing.assert_array_equal(est.predict_proba(x), fresh.predict_proba(x))
    # and it did change: the model before the requests differs
    assert ForgetClassifier(**params).fit(x, y, ids=ids).model_.digest() != fresh.model_.digest()


@pytest.mark.parametrize("targets", [1, 3])
def test_sisa_regressor_forget_equals_fresh_fit(targets):
    x, y = regression(targets=targets)
    params = dict(hidden=(6,), epochs=3, shards=4, slices=2)
    est = ForgetRegressor(**params).fit(x, y)  # ids: the row indices
    gone = np.arange(3, len(x), 11)
    est.forget(gone)
    keep = np.setdiff1d(np.arange(len(x)), gone)
    fresh = ForgetRegressor(**params).fit(x[keep], y[keep], ids=keep)
    pred = est.predict(x)
    assert pred.shape == y.shape and pred.dtype == np.float64
    np.testing.assert_array_equal(pred, fresh.predict(x))
    # the default ids renumber the rows: a fit on x[keep] without ids is
    # another model (that is why ids exist)
    assert ForgetRegressor(**params).fit(x[keep], y[keep]).model_.digest() \
        != est.model_.digest()


@pytest.mark.parametrize("estimator,data", [
    (ForgetClassifier, blobs), (ForgetRegressor, regression)])
def test_analytic_forget_and_learn_equal_a_refit(estimator, data):
    x, y = data(n=150)
    params = dict(kind="analytic", width=64, gamma=0.5)
    est = estimator(**params).fit(x[:100], y[:100])
    est.learn(x[100:], y[100:])  # ids 100..149: the next ones
    gone = np.array([0, 7, 33, 120, 149])
    est.forget(gone)
    keep = np.setdiff1d(np.arange(150), gone)
    refit = estimator(**params).fit(x[keep], y[keep], ids=keep)
    out = est.predict_proba(x) if estimator is ForgetClassifier else est.predict(x)
    ref = refit.predict_proba(x) if estimator is ForgetClassifier else refit.predict(x)
    # float64 state, float32 outputs: equal to float32 rounding
    np.testing.assert_allclose(out, ref, rtol=0, atol=2e-6)
    before = estimator(**params).fit(x, y)
    b = before.predict_proba(x) if estimator is ForgetClassifier else before.predict(x)
    assert np.abs(b - ref).max() > 1e-4  # forgetting changed the predictions
    with pytest.raises(ValueError):  # id 5 is learned now
        est.learn(x[:1], y[:1], ids=[5])
    with pytest.raises(ValueError):  # the model's width is fixed at fit
        est.learn(x[:2, :3], y[:2])


def test_learn_is_refused_by_retraining_methods_and_checks_labels():
    x, y = blobs(n=90, labels=["x", "y", "z"])
    for est in (ForgetClassifier(epochs=1).fit(x, y),
                ForgetClassifier(kind="linear", method="ssd", epochs=1).fit(x, y)):
        with pytest.raises(NotImplementedError):
            est.learn(x[:3], y[:3], ids=[1000, 1001, 1002])
    an = ForgetClassifier(kind="analytic").fit(x, y)
    digest = an.model_.digest()
    with pytest.raises(ValueError, match="'w'"):
        an.learn(x[:2], np.array(["x", "w"]))
    assert an.model_.digest() == digest


# ---- forget: refusals change nothing ----

@pytest.mark.parametrize("params", [dict(), dict(kind="analytic"),
                                    dict(kind="linear", method="ssd")])
def test_forget_unknown_ids_is_a_key_error_and_changes_nothing(params):
    x, y = blobs(n=120)
    est = ForgetClassifier(epochs=2, **params).fit(x, y, ids=np.arange(1000, 1120))
    twin = pickle.loads(pickle.dumps(est))
    digest, proba = est.model_.digest(), est.predict_proba(x)
    for ids in ([5], [1003, 99999], [2 ** 64 - 1]):
        with pytest.raises(KeyError) as info:
            est.forget(ids)
        assert isinstance(info.value, lf.NotFoundError)
        assert est.model_.digest() == digest
        np.testing.assert_array_equal(est.predict_proba(x), proba)
    for bad in ([-1], [1.5], [[1000, 1001]], []):
        with pytest.raises(ValueError):
            est.forget(bad)
        assert est.model_.digest() == digest
    # the failed requests left no trace: a valid one gives what it gives on
    # the twin that never saw them
    est.forget([1000, 1050])
    twin.forget([1000, 1050])
    assert est.model_.digest() == twin.model_.digest() != digest


def test_unfitted_estimators_refuse_forget_learn_and_predict():
    from sklearn.exceptions import NotFittedError
    for est in (ForgetClassifier(), ForgetRegressor()):
        for call in (lambda: est.forget([0]), lambda: est.learn([[0.0]], [0]),
                     lambda: est.predict([[0.0]]), lambda: est.model_):
            with pytest.raises(NotFittedError):
                call()


# ---- pickle ----

# ssd on this barely trained linear model costs the rest of the rows 30
# points when most of a class goes: its guard would refuse the request, and
# this test is about pickling, so the guard is lifted
@pytest.mark.parametrize("params", [dict(), dict(kind="analytic"),
                                    dict(kind="linear", method="ssd",
                                         method_params=dict(guard=1e6))])
def test_pickle_round_trip_keeps_predictions_and_forgetting(params):
    x, y = blobs(n=150, labels=[10, 20, 30])
    est = ForgetClassifier(epochs=2, **params).fit(x, y)
    est.forget([3, 4])
    copy = pickle.loads(pickle.dumps(est))
    assert copy is not est and copy.get_params() == est.get_params()
    assert list(copy.classes_) == [10, 20, 30]
    assert copy.model_.digest() == est.model_.digest()
    np.testing.assert_array_equal(copy.predict(x), est.predict(x))
    # the unlearner came along: both forget alike, independently (most of
    # class 20, so that ssd dampens something)
    ids = np.flatnonzero(y == 20)[5:]
    est.forget(ids)
    assert copy.model_.digest() != est.model_.digest()
    copy.forget(ids)
    if est.method_ == "analytic":
        # a loaded analytic state refactors at its first request where the
        # original made a Woodbury update: equal to float64 rounding
        np.testing.assert_allclose(copy.predict_proba(x), est.predict_proba(x),
                                   rtol=0, atol=1e-6)
    else:
        assert copy.model_.digest() == est.model_.digest()
        np.testing.assert_array_equal(copy.predict_proba(x), est.predict_proba(x))
    with pytest.raises(KeyError):
        copy.forget([10 ** 6])


def test_unfitted_pickle_and_regressor_pickle():
    est = pickle.loads(pickle.dumps(ForgetRegressor(hidden=(3,))))
    assert est.hidden == (3,) and not hasattr(est, "n_features_in_")
    x, y = regression(targets=2)
    reg = ForgetRegressor(kind="analytic").fit(x, y)
    reg.learn(x[:5] + 1.0, y[:5])
    copy = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(copy.predict(x), reg.predict(x))
    copy.forget([200, 201])  # the learned rows kept their ids
    reg.forget([200, 201])
    np.testing.assert_array_equal(copy.predict(x), reg.predict(x))


def doc_block(heading):
    """The first python block after a heading of docs/python.md (None outside
    a source tree)."""
    import os
    import re
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "python.md")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return re.findall(r"```python\n(.*?)```", text.split(heading, 1)[1], re.S)[0]


def test_the_docs_example_runs(capsys):
    code = doc_block("\n## scikit-learn")
    if code is None:
        pytest.skip("not in a libforget source tree")
    scope = {}
    exec(compile(code, "docs/python.md", "exec"), scope)
    score, retrained = capsys.readouterr().out.split()
    assert float(score) > 0.9 and float(retrained) >= 1
    est = scope["clf"][-1]
    assert est.report_["already_forgotten"] == 0
    with pytest.raises(KeyError):
        est.forget([1])  # not an id (the ids were drawn from 0..10**9)
