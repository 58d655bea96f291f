"""Shared fixtures. The package is imported as installed (make check-python
installs it into a fresh venv); run from a source tree with
PYTHONPATH=bindings/python LIBFORGET=build/libforget.so.0."""
import tempfile

import numpy as np
import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

import libforget as lf

# no example database: nothing is written into the tree the tests run from
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="libforget-hypothesis-"))
settings.register_profile("libforget", database=None, deadline=None)
settings.load_profile("libforget")


def blobs(n=300, d=4, classes=3, seed=1):
    """Separable clusters: class c shifts feature c % d by +3."""
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % classes).astype(np.int32)
    x = rng.normal(0, 0.4, (n, d)).astype(np.float32)
    x[np.arange(n), y % d] += 3.0
    return x, y


@pytest.fixture
def xy():
    return blobs()


@pytest.fixture
def data(xy):
    with lf.Dataset(*xy) as ds:
        yield ds


@pytest.fixture
def mlp(data):
    with lf.Model("mlp", layers=[4, 8, 3], seed=2) as m:
        m.train(data, epochs=10, batch=16)
        yield m
