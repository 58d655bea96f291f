# mk/bindings.mk — the Python binding and its cffi cdef (cdef, check-python), the Rust crates (check-rust, both link routes).

# The public headers as a cffi cdef; the Python binding's pytest suite.
cdef: $(B)/forget.cdef
$(B)/forget.cdef: $(HEADERS) tools/cdef.py
	$(Q)mkdir -p $(@D)
	$(Q)$(PYTHON) tools/cdef.py include/forget > $@

check-python: $(SHLIB) $(B)/libforget.so.$(MAJOR) $(B)/forget.cdef
	@echo '== the Python binding (ctypes) and the cffi cdef, pytest'
	$(Q)LIBFORGET=$(abspath $(B)/libforget.so.$(MAJOR)) $(PYTHON) -m pytest \
	    -q -p no:cacheprovider bindings/python/tests

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
