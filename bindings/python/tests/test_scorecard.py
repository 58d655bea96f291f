"""libforget.scorecard / Model.scorecard: the C scorecard as a dict whose
keys are forget_scorecard's field names, None for the models not given."""
import json
import math

import numpy as np
import pytest

import libforget as lf
from conftest import blobs

FIGURES = ("forget_acc", "retain_acc", "test_acc", "mia", "loss_auc")
KEYS = tuple(p + f for p in ("", "ref_", "orig_", "gap_") for f in FIGURES) + ("avg_gap",)


def trained(data, seed):
    m = lf.Model("mlp", layers=[4, 8, 3], seed=seed)
    return m.train(data, epochs=10, batch=16)


@pytest.fixture(params=[0, 1, 2])
def case(request):
    """Forget class c of blobs: (train, forget, retain, test)."""
    c = request.param
    with lf.Dataset(*blobs(300, seed=3 + c)) as train, \
            lf.Dataset(*blobs(150, seed=50 + c), ids=np.arange(150) + 1000) as test, \
            train.of_class(c) as forget, train.complement(forget) as retain:
        yield train, forget, retain, test


def separately(m, forget, retain, test):
    return [m.accuracy(forget), m.accuracy(retain), m.accuracy(test),
            m.mia(retain, test, forget), m.loss_auc(forget, test)]


def test_figures_are_the_eval_methods(case):
    train, forget, retain, test = case
    with trained(train, 1) as orig, trained(retain, 1) as ref, orig.clone() as m:
        m.train(retain, epochs=2)
        sc = lf.scorecard(m, forget, retain, test, original=orig, retrained=ref)
        assert tuple(sc) == KEYS
        assert all(isinstance(v, float) for v in sc.values())
        want = separately(m, forget, retain, test)
        want_ref = separately(ref, forget, retain, test)
        assert [sc[k] for k in FIGURES] == want  # the same bits
        assert [sc["ref_" + k] for k in FIGURES] == want_ref
        assert [sc["orig_" + k] for k in FIGURES] == separately(orig, forget, retain, test)
        gaps = [100 * abs(a - b) for a, b in zip(want, want_ref)]
        assert [sc["gap_" + k] for k in FIGURES] == pytest.approx(gaps, abs=1e-12)
        assert sc["avg_gap"] == pytest.approx(sum(gaps[:4]) / 4, abs=1e-12)
        assert m.scorecard(forget, retain, test, original=orig, retrained=ref) == sc


def test_far_from_retraining_and_zero_to_itself(case):
    train, forget, retain, test = case
    with trained(train, 2) as orig, trained(retain, 2) as ref:
        sc = orig.scorecard(forget, retain, test, retrained=ref)
        assert sc["forget_acc"] > 0.9 and sc["ref_forget_acc"] < 0.1
        assert sc["gap_forget_acc"] > 80 and sc["gap_retain_acc"] < 5
        assert sc["avg_gap"] > 25
        for m in (orig, ref):
            self_sc = m.scorecard(forget, retain, test, original=m, retrained=m)
            assert all(self_sc["gap_" + k] == 0 for k in FIGURES)
            assert self_sc["avg_gap"] == 0
            assert all(self_sc[k] == self_sc["ref_" + k] == self_sc["orig_" + k]
                       for k in FIGURES)


def test_models_not_given_are_none(data):
    with data.of_class(0) as forget, data.complement(forget) as retain, \
            trained(data, 3) as m, trained(retain, 3) as ref:
        full = m.scorecard(forget, retain, retain, original=m, retrained=ref)
        alone = m.scorecard(forget, retain, retain)
        assert all(alone[k] is None for k in KEYS[5:])
        assert [alone[k] for k in FIGURES] == [full[k] for k in FIGURES]
        only_orig = m.scorecard(forget, retain, retain, original=m)
        assert all(only_orig["orig_" + k] == full["orig_" + k] for k in FIGURES)
        assert all(only_orig[k] is None for k in KEYS[5:10] + KEYS[15:])
        only_ref = lf.scorecard(m, forget, retain, retain, retrained=ref)
        assert all(only_ref["orig_" + k] is None for k in FIGURES)
        assert only_ref["avg_gap"] == full["avg_gap"]
        json.loads(json.dumps(alone))  # None is JSON's null; NaN would not be JSON
        assert not any(isinstance(v, float) and math.isnan(v) for v in full.values())


def test_refusals(data, mlp):
    with data.of_class(0) as forget, data.complement(forget) as retain:
        with lf.Model("mlp", layers=[5, 4, 3]) as wide:
            with pytest.raises(lf.InvalidArgumentError, match="original takes 5 inputs"):
                mlp.scorecard(forget, retain, retain, original=wide)
        with lf.Model("linear", inputs=4, outputs=3, task="regression") as reg:
            with pytest.raises(ValueError, match="regression"):
                reg.scorecard(forget, retain, retain)
        with pytest.raises(TypeError, match="retrained must be a Model"):
            mlp.scorecard(forget, retain, retain, retrained="model.fgm")
        with pytest.raises(TypeError, match="model must be a Model"):
            lf.scorecard(None, forget, retain, retain)
        with pytest.raises(TypeError, match="test must be a Dataset"):
            mlp.scorecard(forget, retain, np.zeros((3, 4)))
        with data.slice(0, 0) as empty:
            with pytest.raises(lf.InvalidArgumentError, match="the test set is empty"):
                mlp.scorecard(forget, retain, empty)
        with lf.Dataset(np.zeros((2, 4), np.float32)) as unlabeled:
            with pytest.raises(lf.InvalidArgumentError, match="no labels"):
                mlp.scorecard(unlabeled, retain, retain)
