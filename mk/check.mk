# mk/check.mk — the Check suites, the CLI test, crash safety, check-long, check-layers, headertest.

CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check)

TEST_SRCS := $(sort $(wildcard tests/*.c))
TEST_OBJS := $(TEST_SRCS:tests/%.c=$(B)/tests/%.o)
INTERNAL_SRCS := $(sort $(wildcard tests/internal/*.c))
INTERNAL_OBJS := $(INTERNAL_SRCS:tests/internal/%.c=$(B)/tests/internal/%.o)

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
	    check-cpp check-cli check-bench check-fuzz-corpus check-crash

# The long run: more SIGKILL rounds and ten minutes per fuzz harness.
CRASH_ROUNDS ?= 200
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

# bench_approx's feature rules (unit test) and the harnesses of bench_approx
# and bench_newton on generated data.
BENCH_RULE_TEST := $(B)/tests/test_bench_rule
$(BENCH_RULE_TEST): tests/bench/test_rule.c tools/bench/approx/rule.c \
    tools/bench/approx/fail.c tools/bench/approx/rule.h $(SHLIB) $(B)/libforget.so
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) -Iinclude -o $@ \
	    tests/bench/test_rule.c tools/bench/approx/rule.c \
	    tools/bench/approx/fail.c -L$(B) -lforget -Wl,-rpath,'$$ORIGIN/..' -lm

check-bench: $(BENCH_RULE_TEST) $(B)/bench/bench_approx $(B)/bench/bench_newton
	@echo '== bench_approx: feature rules, and a run on generated data'
	$(Q)$(BENCH_RULE_TEST)
	$(Q)sh tests/bench/test_bench_approx.sh $(B)/bench/bench_approx
	@echo '== bench_newton: a run on generated data'
	$(Q)sh tests/bench/test_bench_newton.sh $(B)/bench/bench_newton

check-internal: $(TEST_INTERNAL)
	@echo '== Check suites of internal functions (static library)'
	$(Q)$(TEST_INTERNAL)

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
	$(Q)CC='$(CC)' sh tools/check-layers.sh lib

-include $(TEST_OBJS:.o=.d) $(INTERNAL_OBJS:.o=.d)
