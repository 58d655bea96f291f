# mk/mpi.mk — libforget-mpi (lib/mpi/, include/forget/forget_mpi.h): the
# communicator table over MPI, built with mpicc (make mpi), its tests
# under mpirun (make check-mpi), install-mpi / uninstall-mpi.

MPICC ?= mpicc
MPIRUN ?= mpirun
# The MPI's pkg-config module, named in forget-mpi.pc (OpenMPI or MPICH).
MPI_PC = $(shell $(PKG_CONFIG) --exists ompi-c 2>/dev/null && echo ompi-c || \
                 ($(PKG_CONFIG) --exists mpich 2>/dev/null && echo mpich))
MPI_SRCS := $(sort $(wildcard lib/mpi/*.c))
MPI_OBJS := $(MPI_SRCS:lib/%.c=$(B)/shared/%.o)
MPI_SONAME := libforget-mpi.so.$(MAJOR)
MPI_SHLIB := $(B)/libforget-mpi.so.$(VERSION)
MPI_TEST := $(B)/tests/mpi/test_mpi
MPI_STAMP := $(B)/.deps-mpi
# As root, OpenMPI's mpirun needs these; past 2 ranks on this machine,
# --oversubscribe.
MPIRUN_FLAGS ?= --oversubscribe $(if $(filter 0,$(shell id -u)),--allow-run-as-root)
MPI_RANKS ?= 1 2 3 4

.PHONY: mpi check-mpi install-mpi uninstall-mpi

mpi: $(MPI_SHLIB) $(B)/libforget-mpi.so.$(MAJOR) $(B)/libforget-mpi.so \
     $(B)/forget-mpi.pc

$(MPI_STAMP):
	$(Q)mkdir -p $(@D)
	$(Q)sh tools/deps.sh mpi
	$(Q)touch $@

$(B)/shared/mpi/%.o: lib/mpi/%.c include/forget/forget_mpi.h $(HEADERS) | $(MPI_STAMP)
	$(Q)mkdir -p $(@D)
	@$(if $(Q),echo '  MPICC [pic] $<')
	$(Q)OMPI_CC=$(CC) MPICH_CC=$(CC) $(MPICC) -Iinclude -D_GNU_SOURCE $(ALL_CFLAGS) -fPIC \
	    -fvisibility=hidden -MMD -MP -c -o $@ $<

$(MPI_SHLIB): $(MPI_OBJS) lib/mpi/forget_mpi.map $(SHLIB) $(B)/libforget.so
	@$(if $(Q),echo '  LD      $@')
	$(Q)OMPI_CC=$(CC) MPICH_CC=$(CC) $(MPICC) $(ALL_CFLAGS) -shared \
	    -Wl,-soname,$(MPI_SONAME) -Wl,--version-script=lib/mpi/forget_mpi.map \
	    -Wl,--no-undefined $(LDFLAGS) -o $@ $(MPI_OBJS) -L$(B) -lforget

$(B)/libforget-mpi.so.$(MAJOR): $(MPI_SHLIB)
	$(Q)ln -sf libforget-mpi.so.$(VERSION) $@

$(B)/libforget-mpi.so: $(B)/libforget-mpi.so.$(MAJOR)
	$(Q)ln -sf libforget-mpi.so.$(MAJOR) $@

$(B)/forget-mpi.pc: pkgconfig/forget-mpi.pc.in include/forget/version.h $(B)/install-vars
	$(Q)mkdir -p $(@D)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(PC_LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(PC_INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@RPATH@|$(PC_RPATH)|' -e 's|@MPI_PC@|$(MPI_PC)|' $< > $@

MPI_TEST_SRCS := $(sort $(wildcard tests/mpi/*.c))
MPI_FAULT := $(B)/tests/mpi/fault
$(MPI_FAULT): tests/mpi/fault/fault.c tests/mpi/helpers.c tests/mpi/mpi_test.h \
    include/forget/forget_mpi.h $(HEADERS) $(B)/libforget-mpi.so
	$(Q)mkdir -p $(@D)
	$(Q)OMPI_CC=$(CC) MPICH_CC=$(CC) $(MPICC) -Iinclude -D_GNU_SOURCE \
	    $(ALL_CFLAGS) -o $@ tests/mpi/fault/fault.c tests/mpi/helpers.c \
	    -L$(B) -lforget-mpi -lforget -Wl,-rpath,'$$ORIGIN/../..' -lm

$(MPI_TEST): $(MPI_TEST_SRCS) tests/mpi/mpi_test.h include/forget/forget_mpi.h $(HEADERS) \
    $(B)/libforget-mpi.so
	$(Q)mkdir -p $(@D)
	$(Q)OMPI_CC=$(CC) MPICH_CC=$(CC) $(MPICC) -Iinclude -D_GNU_SOURCE \
	    $(ALL_CFLAGS) -o $@ $(MPI_TEST_SRCS) -L$(B) -lforget-mpi -lforget \
	    -Wl,-rpath,'$$ORIGIN/../..' -lm

# tests/mpi/hooked: libforget-mpi's failure paths, with lib/mpi compiled
# in under FG_MPI_TEST_HOOKS (a rank's allocations can be made to fail,
# the staging area shrunk); the shipped library has no hooks.
MPI_HOOKED := $(B)/tests/mpi/hooked
MPI_HOOKED_SRCS := $(sort $(wildcard tests/mpi/hooked/*.c))
$(MPI_HOOKED): $(MPI_HOOKED_SRCS) tests/mpi/hooked/hooked.h lib/mpi/mpi_comm.c \
    tests/mpi/helpers.c tests/mpi/mpi_test.h include/forget/forget_mpi.h \
    $(HEADERS) $(B)/libforget.so | $(MPI_STAMP)
	$(Q)mkdir -p $(@D)
	$(Q)OMPI_CC=$(CC) MPICH_CC=$(CC) $(MPICC) -Iinclude -D_GNU_SOURCE \
	    -DFG_MPI_TEST_HOOKS $(ALL_CFLAGS) -o $@ $(MPI_HOOKED_SRCS) \
	    tests/mpi/helpers.c lib/mpi/mpi_comm.c -L$(B) -lforget \
	    -Wl,-rpath,'$$ORIGIN/../..' -lm
# The survivor of a timed-out collective under valgrind (the late rank
# not): nothing may write into the buffers it freed, and a broken table
# whose collective completed before it was freed leaks nothing (OpenMPI's
# own losses are suppressed).
MPI_VALGRIND = valgrind -q --error-exitcode=1 --num-callers=50 \
    --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    $(patsubst %,--suppressions=%,$(wildcard /usr/share/openmpi/openmpi-valgrind.supp)) \
    --suppressions=tests/mpi/hooked/valgrind.supp

# The header alone (C99, C11, C++11), then each test on 1, 2, 3 and 4
# ranks.
check-mpi: $(MPI_TEST) $(MPI_FAULT) $(MPI_EXAMPLE) $(MPI_HOOKED)
	$(Q)sh tools/deps.sh mpi-check
	$(Q)mkdir -p $(B)/headertest
	$(Q)printf '#include <forget/forget_mpi.h>\nint main(void) { return 0; }\n' \
	    > $(B)/headertest/forget_mpi.c
	$(Q)for std in c99 c11; do OMPI_CC=$(CC) $(MPICC) -std=$$std -Wall -Wextra \
	    -pedantic -Werror -Iinclude -c -o /dev/null $(B)/headertest/forget_mpi.c \
	    || exit 1; done
	$(Q)cp $(B)/headertest/forget_mpi.c $(B)/headertest/forget_mpi.cpp
	$(Q)$(CXX) -std=c++11 -Wall -Wextra -pedantic -Werror -Iinclude \
	    -DOMPI_SKIP_MPICXX -DMPICH_SKIP_MPICXX \
	    $$($(PKG_CONFIG) --cflags $(MPI_PC)) -c -o /dev/null \
	    $(B)/headertest/forget_mpi.cpp
	@echo '  header  forget/forget_mpi.h: c99 c11 c++11 ok'
	@echo '== libforget-mpi: tests/mpi under $(MPIRUN) -np $(MPI_RANKS)'
	$(Q)for np in $(MPI_RANKS); do OPENBLAS_NUM_THREADS=1 \
	    $(MPIRUN) $(MPIRUN_FLAGS) -np $$np $(MPI_TEST) || exit 1; \
	done
	@echo '== libforget-mpi: failure paths (tests/mpi/hooked) under $(MPIRUN) -np 1 2 3'
	$(Q)for np in 1 2 3; do OPENBLAS_NUM_THREADS=1 timeout 120 \
	    $(MPIRUN) $(MPIRUN_FLAGS) -np $$np $(MPI_HOOKED) || exit 1; \
	done
	@echo '== libforget-mpi: a collective times out; the survivor under valgrind'
	$(Q)sh tools/deps.sh valgrind
	$(Q)OPENBLAS_NUM_THREADS=1 timeout 120 $(MPIRUN) $(MPIRUN_FLAGS) \
	    -np 1 $(MPI_VALGRIND) $(MPI_HOOKED) --free : -np 1 $(MPI_HOOKED) --free
	@echo '== libforget.mpi (Python, mpi4py) under $(MPIRUN) -np 1 2 3'
	$(Q)for np in 1 2 3; do OPENBLAS_NUM_THREADS=1 \
	    PYTHONPATH=bindings/python LIBFORGET=$(SHLIB) \
	    LIBFORGET_MPI=$(B)/libforget-mpi.so.$(MAJOR) \
	    $(MPIRUN) $(MPIRUN_FLAGS) -np $$np $(PYTHON) tests/mpi/test_python.py \
	    || exit 1; done
	@echo '== libforget-mpi: one rank of three killed during a request (tests/mpi/fault)'
	$(Q)OPENBLAS_NUM_THREADS=1 sh tests/mpi/fault/fault.sh $(MPI_FAULT) \
	    $(B)/mpi-fault $(MPIRUN) $(MPIRUN_FLAGS)

# bench_mpi: analytic's fit and sisa on 1, 2 and 4 ranks against one
# process, and on 2 ranks with a timeout (the staging area's copies)
# (figures for docs/BENCHMARKS.md; run it with env -u OPENBLAS_CORETYPE
# on this VM).
MPI_BENCH := $(B)/bench/bench_mpi
$(MPI_BENCH): tools/bench/mpi/bench_mpi.c tools/bench/bench_common.h \
    include/forget/forget_mpi.h $(HEADERS) $(B)/libforget-mpi.so
	$(Q)mkdir -p $(@D)
	$(Q)OMPI_CC=$(CC) MPICH_CC=$(CC) $(MPICC) -Iinclude -D_GNU_SOURCE \
	    $(ALL_CFLAGS) -o $@ $< -L$(B) -lforget-mpi -lforget \
	    -Wl,-rpath,'$$ORIGIN/..' -lm

MPI_BENCH_STAGING := $(B)/bench/bench_staging
$(MPI_BENCH_STAGING): tools/bench/mpi/bench_staging.c tools/bench/bench_common.h \
    include/forget/forget_mpi.h $(HEADERS) $(B)/libforget-mpi.so
	$(Q)mkdir -p $(@D)
	$(Q)OMPI_CC=$(CC) MPICH_CC=$(CC) $(MPICC) -Iinclude -D_GNU_SOURCE \
	    $(ALL_CFLAGS) -o $@ $< -L$(B) -lforget-mpi -lforget \
	    -Wl,-rpath,'$$ORIGIN/..' -lm

.PHONY: bench-mpi
bench-mpi: $(MPI_BENCH) $(MPI_BENCH_STAGING)
	$(Q)sh tools/deps.sh bench
	@echo '| run | ranks | threads per rank | analytic fit s | its MB sent per rank | analytic 100-row request ms | its MB sent per rank | sisa prepare s | its MB sent per rank | sisa 100-id request s | shards retrained | its MB sent per rank | sisa digest |'
	@echo '|---|---|---|---|---|---|---|---|---|---|---|---|---|'
	$(Q)OPENBLAS_NUM_THREADS=2 $(MPIRUN) $(MPIRUN_FLAGS) -np 1 $(MPI_BENCH) --single --threads 2
	$(Q)OPENBLAS_NUM_THREADS=1 $(MPIRUN) $(MPIRUN_FLAGS) -np 1 $(MPI_BENCH) --single --threads 1
	$(Q)for np in 1 2 4; do OPENBLAS_NUM_THREADS=1 \
	    $(MPIRUN) $(MPIRUN_FLAGS) -np $$np $(MPI_BENCH) --threads 1 || exit 1; done
	$(Q)OPENBLAS_NUM_THREADS=1 $(MPIRUN) $(MPIRUN_FLAGS) -np 2 $(MPI_BENCH) \
	    --threads 1 --timeout 600
	@echo
	@echo '| collective | ranks | repeats | no timeout: best ms | median ms | timeout (staged): best ms | median ms | median change |'
	@echo '|---|---|---|---|---|---|---|---|'
	$(Q)for np in 2 4; do \
	    $(MPIRUN) $(MPIRUN_FLAGS) -np $$np $(MPI_BENCH_STAGING) || exit 1; done

# examples/mpi, built with mpicc and run on two ranks.
MPI_EXAMPLE := $(B)/examples/forget_ranks
$(MPI_EXAMPLE): examples/mpi/forget_ranks.c include/forget/forget_mpi.h \
    $(HEADERS) $(B)/libforget-mpi.so
	$(Q)mkdir -p $(@D)
	$(Q)OMPI_CC=$(CC) MPICH_CC=$(CC) $(MPICC) -std=c99 $(WARNINGS) -Iinclude \
	    -o $@ $< -L$(B) -lforget-mpi -lforget -Wl,-rpath,'$$ORIGIN/..'

.PHONY: example-mpi
example-mpi: $(MPI_EXAMPLE)
	$(Q)$(MPIRUN) $(MPIRUN_FLAGS) -np 2 $(MPI_EXAMPLE)

install-mpi: mpi
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/forget \
	    $(DESTDIR)$(PKGCONFIGDIR)
	$(INSTALL) -m 755 $(MPI_SHLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf libforget-mpi.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(MPI_SONAME)
	ln -sf $(MPI_SONAME) $(DESTDIR)$(LIBDIR)/libforget-mpi.so
	$(INSTALL) -m 644 include/forget/forget_mpi.h $(DESTDIR)$(INCLUDEDIR)/forget/
	$(INSTALL) -m 644 $(B)/forget-mpi.pc $(DESTDIR)$(PKGCONFIGDIR)/

uninstall-mpi:
	rm -f $(DESTDIR)$(LIBDIR)/libforget-mpi.so.$(VERSION) \
	      $(DESTDIR)$(LIBDIR)/$(MPI_SONAME) $(DESTDIR)$(LIBDIR)/libforget-mpi.so \
	      $(DESTDIR)$(INCLUDEDIR)/forget/forget_mpi.h \
	      $(DESTDIR)$(PKGCONFIGDIR)/forget-mpi.pc
	-rmdir $(DESTDIR)$(INCLUDEDIR)/forget 2>/dev/null

-include $(MPI_OBJS:.o=.d)
