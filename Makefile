# libforget — plain GNU make. `make help` lists the targets.
#
# Everything built goes under $(B) (default build/). Static and shared
# objects live in separate folders; only the shared ones get -fPIC and
# hidden visibility. The version comes from include/forget/version.h.

.SUFFIXES:
.DELETE_ON_ERROR:

B ?= build
Q := $(if $(V),,@)

version_field = $(shell sed -n 's/^\#define FORGET_VERSION_$(1) \([0-9][0-9]*\).*/\1/p' include/forget/version.h)
MAJOR := $(call version_field,MAJOR)
MINOR := $(call version_field,MINOR)
PATCH := $(call version_field,PATCH)
VERSION := $(MAJOR).$(MINOR).$(PATCH)

CC ?= cc
CXX ?= c++
AR ?= ar
CFLAGS ?= -O3 -g
WERROR ?= -Werror
WARNINGS := -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wpointer-arith -Wvla -Wformat=2
SANITIZERS := -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
# SAN=1: ASan+UBSan; SAN=thread: ThreadSanitizer.
SAN_FLAGS := $(if $(filter thread,$(SAN)),-fsanitize=thread,$(if $(SAN),$(SANITIZERS)))
ALL_CFLAGS = -std=c11 $(WARNINGS) $(CFLAGS) $(SAN_FLAGS)
LIB_CPPFLAGS := -Iinclude -Ilib -D_GNU_SOURCE -DFORGET_BUILDING_DLL
KIT_LOOSE ?= sisa
BLAS_LIBS ?= -lblas -llapack -llapacke
LIBS := $(BLAS_LIBS) -lz -lm -lpthread -ldl
LDFLAGS ?=

PKG_CONFIG ?= pkg-config
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check)

# ---- installation paths ----
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
INSTALL ?= install
DESTDIR ?=

# ---- what is built ----
LIB_SRCS := $(sort $(wildcard lib/*/*.c))
STATIC_OBJS := $(LIB_SRCS:lib/%.c=$(B)/static/%.o)
SHARED_OBJS := $(LIB_SRCS:lib/%.c=$(B)/shared/%.o)
SONAME := libforget.so.$(MAJOR)
SHLIB := $(B)/libforget.so.$(VERSION)
STLIB := $(B)/libforget.a
HEADERS := $(sort $(wildcard include/forget/*.h))

TEST_SRCS := $(sort $(wildcard tests/*.c))
TEST_OBJS := $(TEST_SRCS:tests/%.c=$(B)/tests/%.o)
TEST_SHARED := $(B)/tests/check-shared
TEST_STATIC := $(B)/tests/check-static
INTERNAL_SRCS := $(sort $(wildcard tests/internal/*.c))
INTERNAL_OBJS := $(INTERNAL_SRCS:tests/internal/%.c=$(B)/tests/internal/%.o)
TEST_INTERNAL := $(B)/tests/check-internal

CLI_SRCS := $(sort $(wildcard tools/forget/*.c))
CLI := $(B)/forget

EXAMPLE_SRCS := $(sort $(wildcard examples/c/*.c))
EXAMPLES := $(EXAMPLE_SRCS:examples/c/%.c=$(B)/examples/%)
CPP_EXAMPLE_SRCS := $(sort $(wildcard examples/cpp/*.cpp))
EXAMPLES += $(CPP_EXAMPLE_SRCS:examples/cpp/%.cpp=$(B)/examples/%-cpp)

DEPS_STAMP := $(B)/.deps-build

.PHONY: check-layers check-crash check-long check-fuzz-corpus fuzz fuzz-run fuzz-seeds check-cross check-rust abi-check abi-baseline cdef check-python install-bin all lib cli bench demo help check check-shared check-static check-internal check-cli headertest sanitize tsan \
        valgrind examples example install install-lib install-headers \
        install-pc uninstall clean deps-check

all: lib

lib: $(STLIB) $(SHLIB) $(B)/libforget.so.$(MAJOR) $(B)/libforget.so \
     $(B)/forget.pc

all: $(CLI)

help:
	@echo 'make              build/libforget.a and build/libforget.so.$(VERSION)'
	@echo 'make check        the Check suites (shared, static, internal), the CLI, fuzz corpora, 100 SIGKILL rounds'
	@echo 'make check-long   make check with 2000 SIGKILL rounds, then make fuzz for 600 s per harness (LONG_CRASH_ROUNDS, LONG_FUZZ_SECONDS)'
	@echo 'make headertest   each public header alone as C99, C11 and C++11'
	@echo 'make check-python the Python binding and the cffi cdef (pytest); make cdef'
	@echo 'make check-rust   the Rust crates (bindgen check, cargo test --offline)'
	@echo 'make fuzz         libFuzzer harnesses, FUZZ_SECONDS each (clang-14)'
	@echo 'make check-cross  cross-build for aarch64 (CROSS=), run the suites under qemu'
	@echo 'make abi-check    abidiff against abi/ (removals fail; additions need a CHANGELOG line)'
	@echo 'make sanitize     the suites under ASan+UBSan (objects in build/asan)'
	@echo 'make tsan         the suites under ThreadSanitizer (objects in build/tsan)'
	@echo 'make valgrind     the suites under valgrind, CK_FORK=no'
	@echo 'make demo         the main job: forget a class and 1% with each method, vs retraining'
	@echo 'make example      build and run examples/c and examples/cpp'
	@echo 'make bench        benchmarks beside PyTorch/numpy; figures to docs/BENCHMARKS.md (ONLY=train)'
	@echo 'make install      PREFIX, DESTDIR, LIBDIR, INCLUDEDIR, PKGCONFIGDIR'
	@echo 'variables: CC, CFLAGS, BLAS_LIBS (default -lblas -llapack -llapacke), V=1'

# The packages are checked (and installed when run as root) once per
# build folder; `make deps-check` forces it.
$(DEPS_STAMP):
	$(Q)mkdir -p $(@D)
	$(Q)sh tools/deps.sh build
	$(Q)touch $@

deps-check:
	$(Q)sh tools/deps.sh check

# ---- the library ----
$(B)/static/%.o: lib/%.c | $(DEPS_STAMP)
	$(Q)mkdir -p $(@D)
	@$(if $(Q),echo '  CC      $<')
	$(Q)$(CC) $(LIB_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/shared/%.o: lib/%.c | $(DEPS_STAMP)
	$(Q)mkdir -p $(@D)
	@$(if $(Q),echo '  CC [pic] $<')
	$(Q)$(CC) $(LIB_CPPFLAGS) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -MMD -MP -c -o $@ $<

$(STLIB): $(STATIC_OBJS)
	@$(if $(Q),echo '  AR      $@')
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(SHLIB): $(SHARED_OBJS) lib/forget.map
	@$(if $(Q),echo '  LD      $@')
	$(Q)$(CC) $(ALL_CFLAGS) -shared -Wl,-soname,$(SONAME) \
	    -Wl,--version-script=lib/forget.map -Wl,--no-undefined $(LDFLAGS) \
	    -o $@ $(SHARED_OBJS) $(LIBS)

$(B)/libforget.so.$(MAJOR): $(SHLIB)
	$(Q)ln -sf libforget.so.$(VERSION) $@

$(B)/libforget.so: $(B)/libforget.so.$(MAJOR)
	$(Q)ln -sf libforget.so.$(MAJOR) $@

PC_LIBDIR = $(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))
PC_INCLUDEDIR = $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))
$(B)/forget.pc: pkgconfig/forget.pc.in include/forget/version.h
	$(Q)mkdir -p $(@D)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(PC_LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(PC_INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@LIBS_PRIVATE@|$(LIBS)|' $< > $@

# ---- tests ----
$(B)/tests/%.o: tests/%.c $(HEADERS) | $(DEPS_STAMP)
	$(Q)mkdir -p $(@D)
	@$(if $(Q),echo '  CC      $<')
	$(Q)$(CC) -Iinclude -D_GNU_SOURCE $(CHECK_CFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/internal/%.o: tests/internal/%.c $(HEADERS) | $(DEPS_STAMP)
	$(Q)mkdir -p $(@D)
	@$(if $(Q),echo '  CC      $<')
	$(Q)$(CC) -Iinclude -Ilib -D_GNU_SOURCE $(CHECK_CFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(TEST_INTERNAL): $(INTERNAL_OBJS) $(B)/tests/helpers.o $(STLIB)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS) $(CHECK_LIBS)

$(TEST_SHARED): $(TEST_OBJS) $(SHLIB) $(B)/libforget.so
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(TEST_OBJS) -L$(B) -lforget \
	    -Wl,-rpath,'$$ORIGIN/..' $(CHECK_LIBS) -lz -lm -lpthread -ldl

$(TEST_STATIC): $(TEST_OBJS) $(STLIB)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(TEST_OBJS) $(STLIB) $(LIBS) $(CHECK_LIBS)

check: deps-check
	$(Q)$(MAKE) --no-print-directory check-shared check-static check-internal \
	    check-cli check-fuzz-corpus check-crash

# The long run: more SIGKILL rounds and ten minutes per fuzz harness.
CRASH_ROUNDS ?= 100
LONG_CRASH_ROUNDS ?= 2000
LONG_FUZZ_SECONDS ?= 600
check-long: deps-check
	$(Q)$(MAKE) --no-print-directory check CRASH_ROUNDS=$(LONG_CRASH_ROUNDS)
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(LONG_FUZZ_SECONDS)

CRASH := $(B)/tests/crash
$(CRASH): tests/crash/crash.c $(HEADERS) $(SHLIB) $(B)/libforget.so
	$(Q)$(CC) $(ALL_CFLAGS) -Iinclude -o $@ $< -L$(B) -lforget \
	    -Wl,-rpath,'$$ORIGIN/..'

check-crash: $(CRASH)
	@echo '== crash safety: $(CRASH_ROUNDS) rounds killed with SIGKILL (tests/crash/crash.c)'
	$(Q)rm -rf $(B)/crash-test && $(CRASH) $(B)/crash-test $(CRASH_ROUNDS)

check-shared: $(TEST_SHARED)
	@echo '== Check suites against the shared library ($(SHLIB))'
	$(Q)$(TEST_SHARED)

check-static: $(TEST_STATIC)
	@echo '== Check suites against the static library ($(STLIB))'
	$(Q)$(TEST_STATIC)

check-cli: $(CLI)
	@echo '== the forget tool end to end (tests/cli/test_cli.sh)'
	$(Q)sh tests/cli/test_cli.sh $(CLI)

check-internal: $(TEST_INTERNAL)
	@echo '== Check suites of internal functions (static library)'
	$(Q)$(TEST_INTERNAL)

sanitize: deps-check
	$(Q)$(MAKE) --no-print-directory B=$(B)/asan SAN=1 \
	    $(B)/asan/tests/check-static $(B)/asan/tests/check-internal
	@echo '== Check suites under ASan+UBSan'
	$(Q)for t in check-static check-internal; do \
	    CK_FORK=no ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(B)/asan/tests/$$t || exit 1; done
	$(Q)UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(MAKE) --no-print-directory B=$(B)/asan SAN=1 check-fuzz-corpus

# The suites under ThreadSanitizer: the sisa pool, the training lanes'
# team, the journal. Run without address randomisation (setarch -R): gcc
# 12's TSan cannot map its shadow memory under the 32-bit mmap entropy
# some kernels use.
tsan: deps-check
	$(Q)$(MAKE) --no-print-directory B=$(B)/tsan SAN=thread $(B)/tsan/tests/check-static
	@echo '== Check suites under ThreadSanitizer'
	$(Q)CK_FORK=no TSAN_OPTIONS=halt_on_error=1:allocator_may_return_null=1 \
	    setarch $$(uname -m) -R $(B)/tsan/tests/check-static

VALGRIND ?= valgrind
valgrind: deps-check $(TEST_STATIC) $(TEST_SHARED) $(TEST_INTERNAL) $(CLI)
	$(Q)sh tools/deps.sh valgrind
	@echo '== Check suites under valgrind (static, then shared)'
	$(Q)for t in $(TEST_STATIC) $(TEST_SHARED) $(TEST_INTERNAL); do \
	    CK_FORK=no $(VALGRIND) -q --error-exitcode=99 --leak-check=full \
	        --child-silent-after-fork=yes \
	        --errors-for-leak-kinds=definite,indirect,possible \
	        --show-leak-kinds=definite,indirect,possible $$t || exit 1; \
	done
	@echo '== the forget tool end to end under valgrind'
	$(Q)WRAP="$(VALGRIND) -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect" sh tests/cli/test_cli.sh $(CLI)
	$(Q)$(MAKE) --no-print-directory check-fuzz-corpus \
	    REPLAY_WRAP="$(VALGRIND) -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect"

# Each public header alone, as C99, C11 and C++11, pedantic, no warnings.
headertest: | $(DEPS_STAMP)
	$(Q)mkdir -p $(B)/headertest
	$(Q)for h in $(HEADERS:include/%=%); do \
	    n=$$(echo $$h | tr '/.' '__'); \
	    printf '#include <%s>\nint main(void) { return 0; }\n' $$h > $(B)/headertest/$$n.c; \
	    for std in c99 c11; do \
	        $(CC) -std=$$std -Wall -Wextra -pedantic -Werror -Iinclude \
	            -c -o /dev/null $(B)/headertest/$$n.c || exit 1; \
	    done; \
	    cp $(B)/headertest/$$n.c $(B)/headertest/$$n.cpp; \
	    $(CXX) -std=c++11 -Wall -Wextra -pedantic -Werror -Iinclude \
	        -c -o /dev/null $(B)/headertest/$$n.cpp || exit 1; \
	    echo "  header  $$h: c99 c11 c++11 ok"; \
	done

# The include rule of lib/ (README, "The rooms"): nothing includes upward,
# a method includes only model/kit.h, its own files and the public headers.
check-layers:
	$(Q)CC='$(CC)' KIT_LOOSE='$(KIT_LOOSE)' sh tools/check-layers.sh lib

# ---- examples ----
$(B)/examples/%: examples/c/%.c $(SHLIB) $(B)/libforget.so
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=c99 -Wall -Wextra $(WERROR) $(CFLAGS) -Iinclude -o $@ $< \
	    -L$(B) -lforget -Wl,-rpath,'$$ORIGIN/..'

$(B)/examples/%-cpp: examples/cpp/%.cpp $(SHLIB) $(B)/libforget.so
	$(Q)mkdir -p $(@D)
	$(Q)$(CXX) -std=c++11 -Wall -Wextra $(WERROR) $(CFLAGS) -Iinclude -o $@ $< \
	    -L$(B) -lforget -Wl,-rpath,'$$ORIGIN/..'

examples: $(EXAMPLES)

example: $(EXAMPLES)
	$(Q)for e in $(EXAMPLES); do echo "== $$e"; $$e || exit 1; done

# ---- the forget command-line tool ----
$(CLI): $(CLI_SRCS) tools/forget/cli.h $(SHLIB) $(B)/libforget.so
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) -Iinclude -o $@ \
	    $(CLI_SRCS) -L$(B) -lforget -Wl,-rpath,'$$ORIGIN'

cli: $(CLI)

# ---- ABI: the committed baseline of this major, compared with abidiff ----
ABI_BASE := abi/libforget.so.$(MAJOR).abi
abi-check: $(SHLIB)
	$(Q)sh tools/abi-check.sh $(SHLIB) $(ABI_BASE)

abi-baseline: $(SHLIB)
	$(Q)abidw --headers-dir include/forget --no-corpus-path $(SHLIB) \
	    --out-file $(ABI_BASE)

# ---- bindings ----
# The public headers as a cffi cdef; the Python binding's pytest suite.
cdef: $(B)/forget.cdef
$(B)/forget.cdef: $(HEADERS) tools/cdef.py
	$(Q)mkdir -p $(@D)
	$(Q)/usr/bin/python3 tools/cdef.py include/forget > $@

check-python: $(SHLIB) $(B)/libforget.so.$(MAJOR) $(B)/forget.cdef
	@echo '== the Python binding (ctypes) and the cffi cdef, pytest'
	$(Q)LIBFORGET=$(abspath $(B)/libforget.so.$(MAJOR)) /usr/bin/python3 -m pytest \
	    -q -p no:cacheprovider bindings/python/tests

# The Rust crates (bindgen-generated forget-sys, safe wrapper forget).
check-rust: $(SHLIB) $(B)/libforget.so
	@echo '== the Rust binding: bindings current, cargo test --offline'
	$(Q)bindings/rust/generate.sh --check
	$(Q)cd bindings/rust && FORGET_LIB_DIR=$(abspath $(B)) \
	    LD_LIBRARY_PATH=$(abspath $(B)) cargo test --offline --locked -q

# The static library and both suites cross-built for aarch64 and run under
# qemu-user; the sizes of the aarch64 libraries are printed for the docs.
CROSS ?= aarch64-linux-gnu
QEMU ?= qemu-aarch64-static
XB := $(B)/$(CROSS)
check-cross:
	$(Q)sh tools/deps.sh cross
	$(Q)$(MAKE) --no-print-directory B=$(XB) CC=$(CROSS)-gcc AR=$(CROSS)-ar \
	    PKG_CONFIG=$(CROSS)-pkg-config \
	    $(XB)/tests/check-static $(XB)/tests/check-internal \
	    $(XB)/libforget.so.$(VERSION)
	@echo '== Check suites cross-built for $(CROSS), run under $(QEMU)'
	$(Q)$(QEMU) $(XB)/tests/check-static
	$(Q)$(QEMU) $(XB)/tests/check-internal
	$(Q)$(CROSS)-strip -o $(XB)/libforget.so.stripped $(XB)/libforget.so.$(VERSION)
	$(Q)$(CROSS)-size $(XB)/libforget.so.stripped

# libFuzzer harnesses (tests/fuzz/): the library built with clang and
# -fsanitize=fuzzer-no-link,address,undefined, each harness run for
# FUZZ_SECONDS from the committed seeds (new inputs go to build/, crashes
# to build/fuzz/fz/crash-*); the exec counts are printed for docs/RELIABILITY.md.
FUZZ_CC ?= clang-14
FUZZ_SECONDS ?= 60
FUZZERS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
fuzz:
	$(Q)sh tools/deps.sh fuzz
	$(Q)$(MAKE) --no-print-directory B=$(B)/fuzz CC=$(FUZZ_CC) SAN=1 \
	    CFLAGS='-O1 -g -fsanitize=fuzzer-no-link \
	    -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION' fuzz-run
fuzz-run: $(FUZZERS:%=$(B)/fz/%)
	$(Q)for f in $(FUZZERS); do \
	    c=$${f#fuzz_}; mkdir -p $(B)/fz/corpus-$$c; \
	    echo "== $$f ($(FUZZ_SECONDS) s)"; \
	    $(B)/fz/$$f -max_total_time=$(FUZZ_SECONDS) -timeout=20 \
	        -rss_limit_mb=2048 -print_final_stats=1 \
	        -artifact_prefix=$(B)/fz/crash-$$c- \
	        $(B)/fz/corpus-$$c tests/fuzz/corpus/$$c 2>$(B)/fz/$$c.log \
	        || { tail -40 $(B)/fz/$$c.log; exit 1; }; \
	    grep -E 'number_of_executed_units|DONE|INITED' \
	        $(B)/fz/$$c.log | tail -3; \
	done
$(B)/fz/%: tests/fuzz/%.c tests/fuzz/fuzz.h tests/fuzz/setup.h $(STLIB)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Iinclude -fsanitize=fuzzer -o $@ $< $(STLIB) $(LIBS)
# The committed corpora (seeds and past crashes) through every harness,
# built with the ordinary compiler and tests/fuzz/replay.c.
check-fuzz-corpus: $(FUZZERS:%=$(B)/replay/%)
	@echo '== fuzz corpora replayed (tests/fuzz/corpus)'
	$(Q)for f in $(FUZZERS); do \
	    $(REPLAY_WRAP) $(B)/replay/$$f tests/fuzz/corpus/$${f#fuzz_}/* || exit 1; \
	done
$(B)/replay/%: tests/fuzz/%.c tests/fuzz/replay.c tests/fuzz/fuzz.h tests/fuzz/setup.h $(STLIB)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -D_GNU_SOURCE -Iinclude -o $@ $< tests/fuzz/replay.c \
	    $(STLIB) $(LIBS)
# Rewrites the seed corpora (run at a format change; commit the result).
fuzz-seeds: $(SHLIB) $(B)/libforget.so
	$(Q)$(CC) $(ALL_CFLAGS) -Iinclude -o $(B)/mkseeds tests/fuzz/mkseeds.c \
	    -L$(B) -lforget -Wl,-rpath,'$$ORIGIN'
	$(Q)$(B)/mkseeds tests/fuzz/corpus

# ---- the demo: the main job in one table (README's first command) ----
DEMO := $(B)/forget-demo
$(DEMO): tools/demo/demo.c $(SHLIB) $(B)/libforget.so
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) -Iinclude -o $@ $< \
	    -L$(B) -lforget -Wl,-rpath,'$$ORIGIN'

demo: $(DEMO)
	$(Q)sh tools/deps.sh demo
	$(Q)$(DEMO)

# ---- benchmarks (figures go to docs/BENCHMARKS.md) ----
BENCH_SRCS := $(sort $(wildcard tools/bench/*.c))
BENCHES := $(BENCH_SRCS:tools/bench/%.c=$(B)/bench/%)
BENCH_PKGS := dataset-fashion-mnist python3-torch python3-numpy python3-sklearn

$(B)/bench/%: tools/bench/%.c tools/bench/bench_common.h $(SHLIB) $(B)/libforget.so
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) -Iinclude \
	    $$(pkg-config --cflags blas) -o $@ $< -L$(B) -lforget \
	    -Wl,-rpath,'$$ORIGIN/..' $(BLAS_LIBS) -lm

bench: $(BENCHES)
	$(Q)sh tools/deps.sh bench
	$(Q)/usr/bin/python3 tools/bench/bench.py $(if $(ONLY),--only $(ONLY))

# ---- install ----
install: install-lib install-headers install-pc install-bin

install-bin: $(CLI)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 755 $(CLI) $(DESTDIR)$(BINDIR)/forget
	$(INSTALL) -m 644 docs/forget.1 $(DESTDIR)$(MANDIR)/man1/forget.1

install-lib: lib
	$(INSTALL) -d $(DESTDIR)$(LIBDIR)
	$(INSTALL) -m 644 $(STLIB) $(DESTDIR)$(LIBDIR)/
	$(INSTALL) -m 755 $(SHLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf libforget.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libforget.so.$(MAJOR)
	ln -sf libforget.so.$(MAJOR) $(DESTDIR)$(LIBDIR)/libforget.so

install-headers:
	$(INSTALL) -d $(DESTDIR)$(INCLUDEDIR)/forget
	$(INSTALL) -m 644 $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/forget/

install-pc: $(B)/forget.pc
	$(INSTALL) -d $(DESTDIR)$(PKGCONFIGDIR)
	$(INSTALL) -m 644 $(B)/forget.pc $(DESTDIR)$(PKGCONFIGDIR)/

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libforget.a \
	      $(DESTDIR)$(LIBDIR)/libforget.so.$(VERSION) \
	      $(DESTDIR)$(LIBDIR)/libforget.so.$(MAJOR) \
	      $(DESTDIR)$(LIBDIR)/libforget.so \
	      $(DESTDIR)$(PKGCONFIGDIR)/forget.pc \
	      $(DESTDIR)$(BINDIR)/forget $(DESTDIR)$(MANDIR)/man1/forget.1 \
	      $(HEADERS:include/forget/%=$(DESTDIR)$(INCLUDEDIR)/forget/%)
	-rmdir $(DESTDIR)$(INCLUDEDIR)/forget 2>/dev/null

clean:
	rm -rf $(B)

-include $(STATIC_OBJS:.o=.d) $(SHARED_OBJS:.o=.d) $(TEST_OBJS:.o=.d) \
         $(INTERNAL_OBJS:.o=.d)
