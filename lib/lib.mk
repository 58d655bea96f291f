# lib/lib.mk — the library: sources, flags, static and shared objects, forget.pc, install.

WERROR ?= -Werror
WARNINGS := -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wpointer-arith -Wvla -Wformat=2
SANITIZERS := -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
# SAN=1: ASan+UBSan; SAN=thread: ThreadSanitizer.
SAN_FLAGS := $(if $(filter thread,$(SAN)),-fsanitize=thread,$(if $(SAN),$(SANITIZERS)))
ALL_CFLAGS = -std=c11 $(WARNINGS) $(CFLAGS) $(SAN_FLAGS)
LIB_CPPFLAGS := -Iinclude -Ilib -D_GNU_SOURCE -DFORGET_BUILDING_DLL
BLAS_LIBS ?= -lblas -llapack -llapacke
LIBS := $(BLAS_LIBS) -lz -lm -lpthread -ldl

# ---- what is built ----
# lib/mpi/ is libforget-mpi (mk/mpi.mk), never part of libforget.
LIB_SRCS := $(sort $(filter-out lib/mpi/%,$(wildcard lib/*/*.c)))
STATIC_OBJS := $(LIB_SRCS:lib/%.c=$(B)/static/%.o)
SHARED_OBJS := $(LIB_SRCS:lib/%.c=$(B)/shared/%.o)
SONAME := libforget.so.$(MAJOR)
SHLIB := $(B)/libforget.so.$(VERSION)
STLIB := $(B)/libforget.a
# forget_mpi.h (it includes <mpi.h>) is libforget-mpi's (mk/mpi.mk).
HEADERS := $(sort $(filter-out include/forget/forget_mpi.h,$(wildcard include/forget/*.h)))

lib: $(STLIB) $(SHLIB) $(B)/libforget.so.$(MAJOR) $(B)/libforget.so \
     $(B)/forget.pc

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

# The install paths that forget.pc and the installed tool are built for:
# the stamp changes (and they are made again) whenever one of them does.
INSTALL_VARS := $(PREFIX)|$(LIBDIR)|$(INCLUDEDIR)|$(BINDIR)|$(LIBS)
$(B)/install-vars: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)printf '%s\n' '$(INSTALL_VARS)' | cmp -s - $@ || \
	    printf '%s\n' '$(INSTALL_VARS)' > $@
FORCE:

PC_LIBDIR = $(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))
PC_INCLUDEDIR = $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))
# Outside the system's own library folders, programs built through the
# .pc find the library by the RUNPATH it gives them (no LD_LIBRARY_PATH).
PC_RPATH = $(if $(filter /usr/lib /usr/lib/% /lib /lib/% /usr/lib64 /lib64,$(LIBDIR)),,-Wl$(comma)-rpath$(comma)$${libdir})
comma := ,
$(B)/forget.pc: pkgconfig/forget.pc.in include/forget/version.h $(B)/install-vars
	$(Q)mkdir -p $(@D)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(PC_LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(PC_INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@RPATH@|$(PC_RPATH)|' -e 's|@LIBS_PRIVATE@|$(LIBS)|' $< > $@

# ---- install (install-bin, the forget tool and its man page, is in mk/tools.mk) ----
install: install-lib install-headers install-pc install-bin

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

-include $(STATIC_OBJS:.o=.d) $(SHARED_OBJS:.o=.d)
