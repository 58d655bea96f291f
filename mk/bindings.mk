# mk/bindings.mk — the Python package (python-wheel, check-python) and its cffi cdef (cdef), the Rust crates (check-rust, both link routes).

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
	$(Q)sh tools/deps.sh python
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
	$(Q)sh tools/deps.sh python
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

# The Rust crates (bindgen-generated forget-sys, safe wrapper forget):
# bindings current; cargo test and cargo doc (warnings are errors) linked
# through FORGET_LIB_DIR; then forget-sys's pkg-config route, against a
# DESTDIR install of the library (own target folder, FORGET_LIB_DIR unset),
# checked in the build script's output: it must name the route and the
# installed folder.
RUST_PC_ROOT = $(abspath $(B))/rust-pc
RUST_PC_TARGET = $(abspath $(B))/rust-pc-target
check-rust: $(SHLIB) $(B)/libforget.so
	@echo '== the Rust binding: bindings current, cargo test and cargo doc --offline'
	$(Q)sh tools/deps.sh rust
	$(Q)bindings/rust/generate.sh --check
	$(Q)cd bindings/rust && FORGET_LIB_DIR=$(abspath $(B)) \
	    LD_LIBRARY_PATH=$(abspath $(B)) cargo test --offline --locked -q
	$(Q)cd bindings/rust && FORGET_LIB_DIR=$(abspath $(B)) RUSTDOCFLAGS='-D warnings' \
	    cargo doc --offline --locked --no-deps -q
	@echo '== the Rust binding linked through pkg-config (a DESTDIR install)'
	$(Q)rm -rf $(RUST_PC_ROOT)
	$(Q)$(MAKE) -s B=$(B) install-lib install-headers install-pc DESTDIR=$(RUST_PC_ROOT)
	$(Q)cd bindings/rust && env -u FORGET_LIB_DIR -u FORGET_NO_PKG_CONFIG \
	    PKG_CONFIG_PATH=$(RUST_PC_ROOT)$(PKGCONFIGDIR) \
	    PKG_CONFIG_SYSROOT_DIR=$(RUST_PC_ROOT) CARGO_TARGET_DIR=$(RUST_PC_TARGET) \
	    LD_LIBRARY_PATH=$(RUST_PC_ROOT)$(LIBDIR) \
	    cargo test --offline --locked -q --test runtime --test api
	$(Q)out=$$(cat $(RUST_PC_TARGET)/debug/build/forget-sys-*/output) && \
	    case $$out in *"link-search=native=$(RUST_PC_ROOT)$(LIBDIR)"*"route=pkg-config"*) ;; \
	    *) echo "forget-sys did not link through pkg-config:"; echo "$$out"; exit 1 ;; esac
