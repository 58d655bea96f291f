# mk/bindings.mk — the Python binding and its cffi cdef (cdef, check-python), the Rust crates (check-rust).

# The public headers as a cffi cdef; the Python binding's pytest suite.
cdef: $(B)/forget.cdef
$(B)/forget.cdef: $(HEADERS) tools/cdef.py
	$(Q)mkdir -p $(@D)
	$(Q)$(PYTHON) tools/cdef.py include/forget > $@

check-python: $(SHLIB) $(B)/libforget.so.$(MAJOR) $(B)/forget.cdef
	@echo '== the Python binding (ctypes) and the cffi cdef, pytest'
	$(Q)LIBFORGET=$(abspath $(B)/libforget.so.$(MAJOR)) $(PYTHON) -m pytest \
	    -q -p no:cacheprovider bindings/python/tests

# The Rust crates (bindgen-generated forget-sys, safe wrapper forget).
check-rust: $(SHLIB) $(B)/libforget.so
	@echo '== the Rust binding: bindings current, cargo test --offline'
	$(Q)bindings/rust/generate.sh --check
	$(Q)cd bindings/rust && FORGET_LIB_DIR=$(abspath $(B)) \
	    LD_LIBRARY_PATH=$(abspath $(B)) cargo test --offline --locked -q
