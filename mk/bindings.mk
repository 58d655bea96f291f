# mk/bindings.mk — the Python package (python-wheel, check-python) and its cffi cdef (cdef), the Rust crates (check-rust).

# The public headers as a cffi cdef (test_cffi.py reads it).
cdef: $(B)/forget.cdef
$(B)/forget.cdef: $(HEADERS) tools/cdef.py
	$(Q)mkdir -p $(@D)
	$(Q)$(PYTHON) tools/cdef.py include/forget > $@

# The Python package (bindings/python) as a wheel that bundles the built
# library (libforget/_native/libforget.so.$(MAJOR)), made from a staged copy
# so that the source tree stays clean.
PY_DIR := $(B)/python
PY_SOURCES := $(wildcard bindings/python/libforget/*.py) \
    bindings/python/libforget/py.typed bindings/python/pyproject.toml \
    bindings/python/setup.py bindings/python/README.md

.PHONY: python-wheel
python-wheel: $(PY_DIR)/.wheel
$(PY_DIR)/.wheel: $(SHLIB) $(B)/libforget.so.$(MAJOR) $(PY_SOURCES)
	@echo '  WHEEL   $(PY_DIR)/libforget-*.whl (bundles libforget.so.$(MAJOR))'
	$(Q)rm -rf $(PY_DIR)/stage $(PY_DIR)/*.whl && mkdir -p $(PY_DIR)/stage/libforget/_native
	$(Q)cp bindings/python/pyproject.toml bindings/python/setup.py \
	    bindings/python/README.md $(PY_DIR)/stage/
	$(Q)cp bindings/python/libforget/*.py bindings/python/libforget/py.typed \
	    $(PY_DIR)/stage/libforget/
	$(Q)cp -L $(B)/libforget.so.$(MAJOR) $(PY_DIR)/stage/libforget/_native/
	$(Q)cd $(PY_DIR)/stage && $(PYTHON) -m pip wheel -q --no-index \
	    --no-build-isolation --no-deps -w .. . >/dev/null
	$(Q)touch $@

# The pytest suite in a fresh venv (--system-site-packages for numpy, pytest,
# cffi, tqdm, hypothesis) into which the wheel is pip-installed offline:
# libforget is imported from the venv and finds its bundled library,
# without PYTHONPATH or LIBFORGET. Then the plain source install (pip install
# bindings/python, no bundled library) in a second venv, finding the build
# through LIBFORGET.
PY_ENV := env -u PYTHONPATH -u LIBFORGET
check-python: python-wheel $(B)/forget.cdef
	@echo '== the Python package: wheel in a fresh venv, pytest -X dev'
	$(Q)rm -rf $(PY_DIR)/venv $(PY_DIR)/venv-src $(PY_DIR)/src
	$(Q)$(PYTHON) -m venv --system-site-packages $(PY_DIR)/venv
	$(Q)$(PY_ENV) $(PY_DIR)/venv/bin/pip install -q --no-index \
	    --no-build-isolation --no-deps $(PY_DIR)/libforget-*.whl
	$(Q)cd $(PY_DIR) && $(PY_ENV) LIBFORGET_EXPECT=bundled \
	    venv/bin/python -X dev -X faulthandler -m pytest -q \
	    -p no:cacheprovider $(abspath bindings/python/tests)
	@echo '== the Python package: pip install bindings/python (LIBFORGET)'
	$(Q)mkdir -p $(PY_DIR)/src && cp -r bindings/python/pyproject.toml \
	    bindings/python/setup.py bindings/python/README.md $(PY_DIR)/src/
	$(Q)mkdir -p $(PY_DIR)/src/libforget && cp bindings/python/libforget/*.py \
	    bindings/python/libforget/py.typed $(PY_DIR)/src/libforget/
	$(Q)$(PYTHON) -m venv --system-site-packages $(PY_DIR)/venv-src
	$(Q)$(PY_ENV) $(PY_DIR)/venv-src/bin/pip install -q --no-index \
	    --no-build-isolation --no-deps $(PY_DIR)/src
	$(Q)cd $(PY_DIR) && $(PY_ENV) LIBFORGET_EXPECT=env \
	    LIBFORGET=$(abspath $(B)/libforget.so.$(MAJOR)) \
	    venv-src/bin/python -X dev -X faulthandler -m pytest -q \
	    -p no:cacheprovider $(abspath bindings/python/tests/test_install.py)

# The Rust crates (bindgen-generated forget-sys, safe wrapper forget).
check-rust: $(SHLIB) $(B)/libforget.so
	@echo '== the Rust binding: bindings current, cargo test --offline'
	$(Q)bindings/rust/generate.sh --check
	$(Q)cd bindings/rust && FORGET_LIB_DIR=$(abspath $(B)) \
	    LD_LIBRARY_PATH=$(abspath $(B)) cargo test --offline --locked -q
