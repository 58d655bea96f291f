# mk/fuzz.mk — libFuzzer harnesses (fuzz, fuzz-run), the corpora replayed (check-fuzz-corpus), fuzz-seeds.

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
