# mk/tools.mk — the forget tool (cli, install-bin), the examples, the demo and the benchmarks.

# ---- the forget command-line tool ----
CLI_SRCS := $(sort $(wildcard tools/forget/*.c))
# RUNPATH: beside it in build/, and LIBDIR seen from BINDIR once installed.
BIN_TO_LIB = $(shell realpath -m --relative-to=$(BINDIR) $(LIBDIR))
$(CLI): $(CLI_SRCS) tools/forget/cli.h $(SHLIB) $(B)/libforget.so \
        $(B)/install-vars
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) -Iinclude -o $@ \
	    $(CLI_SRCS) -L$(B) -lforget \
	    -Wl,-rpath,'$$ORIGIN:$$ORIGIN/$(BIN_TO_LIB)'

cli: $(CLI)

install-bin: $(CLI)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 755 $(CLI) $(DESTDIR)$(BINDIR)/forget
	$(INSTALL) -m 644 docs/forget.1 $(DESTDIR)$(MANDIR)/man1/forget.1

# ---- examples ----
EXAMPLE_SRCS := $(sort $(wildcard examples/c/*.c))
EXAMPLES := $(EXAMPLE_SRCS:examples/c/%.c=$(B)/examples/%)
CPP_EXAMPLE_SRCS := $(sort $(wildcard examples/cpp/*.cpp))
EXAMPLES += $(CPP_EXAMPLE_SRCS:examples/cpp/%.cpp=$(B)/examples/%-cpp)

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

# bench_approx is several files: tools/bench/approx/ holds its parts.
APPROX_SRCS := $(sort $(wildcard tools/bench/approx/*.c))
$(B)/bench/bench_approx: tools/bench/bench_approx.c $(APPROX_SRCS) \
    $(wildcard tools/bench/approx/*.h) tools/bench/bench_common.h \
    $(SHLIB) $(B)/libforget.so
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) -Iinclude \
	    -o $@ $< $(APPROX_SRCS) -L$(B) -lforget \
	    -Wl,-rpath,'$$ORIGIN/..' -lm

bench: $(BENCHES)
	$(Q)sh tools/deps.sh bench
	$(Q)$(PYTHON) tools/bench/bench.py $(if $(ONLY),--only $(ONLY)) $(if $(QUICK),--quick)
