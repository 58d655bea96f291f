# libforget — plain GNU make. `make help` lists the targets.
#
# Everything built goes under $(B) (default build/). Static and shared
# objects live in separate folders; only the shared ones get -fPIC and
# hidden visibility. The version comes from include/forget/version.h.
#
# This file holds what every part uses; the library is lib/lib.mk, the
# rest one concern a file in mk/. lib/lib.mk is read first and mk/*.mk may
# use its variables; no mk/*.mk file uses another's variables outside a
# recipe (a variable in a rule's target or prerequisites is read at once).
# Every path is relative to this folder, recursive $(MAKE) calls included.

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
LDFLAGS ?=
PKG_CONFIG ?= pkg-config
PYTHON ?= /usr/bin/python3

# ---- installation paths ----
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
INSTALL ?= install
DESTDIR ?=

# ---- what more than one file names ----
DEPS_STAMP := $(B)/.deps-build
CLI := $(B)/forget
TEST_SHARED := $(B)/tests/check-shared
TEST_STATIC := $(B)/tests/check-static
TEST_INTERNAL := $(B)/tests/check-internal

.PHONY: FORCE abi-baseline abi-check all bench cdef check check-bench check-cli check-crash \
        check-cross check-fuzz-corpus check-internal check-layers \
        check-long check-python check-rust python-wheel check-shared check-static clean \
        cli demo deps-check example examples fuzz fuzz-run fuzz-seeds \
        headertest help install install-bin install-headers install-lib \
        install-pc lib sanitize tsan uninstall valgrind

all: lib $(CLI)

help:
	@echo 'make              build/libforget.a and build/libforget.so.$(VERSION)'
	@echo 'make check        the Check suites (shared, static, internal), the C++ tests, the CLI, bench_approx and bench_newton on generated data, fuzz corpora, 100 SIGKILL rounds'
	@echo 'make check-long   make check with 2000 SIGKILL rounds, then make fuzz for 600 s per harness (LONG_CRASH_ROUNDS, LONG_FUZZ_SECONDS)'
	@echo 'make headertest   each public header alone as C99, C11 and C++11; forget.hpp and its parts as C++11, C++14, C++17'
	@echo 'make check-cpp    the C++ tests of forget.hpp (tests/cpp; also part of check, sanitize, valgrind)'
	@echo 'make check-python the Python package in a fresh venv (wheel + source install) and the cffi cdef'
	@echo 'make python-wheel build/python/libforget-*.whl, bundling libforget.so.$(MAJOR)'
	@echo 'make check-rust   the Rust crates (bindgen check, cargo test and doc --offline; linked by FORGET_LIB_DIR and by pkg-config)'
	@echo 'make mpi          build/libforget-mpi.so (mpicc): the communicator over MPI (docs/MPI.md); install-mpi, uninstall-mpi'
	@echo 'make check-mpi    tests/mpi under mpirun -np 1..4, Python libforget.mpi, a rank killed mid-request; example-mpi, bench-mpi'
	@echo 'make fuzz         libFuzzer harnesses, FUZZ_SECONDS each (clang-14)'
	@echo 'make check-cross  cross-build for aarch64 (CROSS=), run the suites under qemu'
	@echo 'make abi-check    abidiff against abi/ (removals fail; additions need a CHANGELOG line)'
	@echo 'make sanitize     the suites under ASan+UBSan (objects in build/asan)'
	@echo 'make tsan         the suites under ThreadSanitizer (objects in build/tsan)'
	@echo 'make valgrind     the suites under valgrind, CK_FORK=no'
	@echo 'make demo         the main job: forget a class and 1% with each method, vs retraining'
	@echo 'make example      build and run examples/c and examples/cpp'
	@echo 'make bench        benchmarks beside PyTorch/numpy; figures to docs/BENCHMARKS.md (ONLY=train; ONLY=approx QUICK=1; ONLY=newton)'
	@echo 'make install      PREFIX, DESTDIR, LIBDIR, INCLUDEDIR, PKGCONFIGDIR'
	@echo 'variables: CC, CFLAGS, BLAS_LIBS (default -lblas -llapack -llapacke), V=1'

clean:
	rm -rf $(B)

include lib/lib.mk
include mk/*.mk
