# mk/sanitize.mk — the suites under ASan+UBSan (sanitize), ThreadSanitizer (tsan) and valgrind.

sanitize: deps-check
	$(Q)$(MAKE) --no-print-directory B=$(B)/asan SAN=1 \
	    $(B)/asan/tests/check-static $(B)/asan/tests/check-internal \
	    $(B)/asan/tests/check-cpp
	@echo '== Check suites and the C++ tests under ASan+UBSan'
	$(Q)for t in check-static check-internal check-cpp; do \
	    CK_FORK=no ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(B)/asan/tests/$$t || exit 1; done
	$(Q)UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(MAKE) --no-print-directory B=$(B)/asan SAN=1 check-fuzz-corpus

# The suites under ThreadSanitizer: the sisa pool, the training lanes'
# team, the journal; and the C++ tests (host callbacks on sisa's
# threads). Run without address randomisation (setarch -R): gcc
# 12's TSan cannot map its shadow memory under the 32-bit mmap entropy
# some kernels use.
tsan: deps-check
	$(Q)$(MAKE) --no-print-directory B=$(B)/tsan SAN=thread $(B)/tsan/tests/check-static \
	    $(B)/tsan/tests/check-cpp
	@echo '== Check suites and the C++ tests under ThreadSanitizer'
	$(Q)for t in check-static check-cpp; do \
	    CK_FORK=no TSAN_OPTIONS=halt_on_error=1:allocator_may_return_null=1 \
	    setarch $$(uname -m) -R $(B)/tsan/tests/$$t || exit 1; done

VALGRIND ?= valgrind
valgrind: deps-check $(TEST_SHARED) $(TEST_INTERNAL) $(CLI) \
          $(B)/tests/check-cpp
	$(Q)sh tools/deps.sh valgrind
	@echo '== Check suites (shared, internal) and the C++ tests under valgrind'
	$(Q)# not the static suites too: the same tests over the same sources
	$(Q)# (only -fPIC differs), which doubled the step's 13 minutes
	$(Q)for t in $(TEST_SHARED) $(TEST_INTERNAL) $(B)/tests/check-cpp; do \
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
