# mk/cross.mk — the static library and both suites cross-built for aarch64, run under qemu-user (check-cross).

# The sizes of the aarch64 libraries are printed for the docs.
CROSS ?= aarch64-linux-gnu
QEMU ?= qemu-aarch64-static
XB := $(B)/$(CROSS)
# qemu-user runs the suites several times slower than the host: the
# per-test timeouts (set for a native run) are stretched, so that a loaded
# machine does not turn emulation's slowness into a failure.
CROSS_TIMEOUT_MULTIPLIER ?= 10
check-cross:
	$(Q)sh tools/deps.sh cross
	$(Q)$(MAKE) --no-print-directory B=$(XB) CC=$(CROSS)-gcc AR=$(CROSS)-ar \
	    PKG_CONFIG=$(CROSS)-pkg-config \
	    $(XB)/tests/check-static $(XB)/tests/check-internal \
	    $(XB)/libforget.so.$(VERSION)
	@echo '== Check suites cross-built for $(CROSS), run under $(QEMU)'
	$(Q)CK_TIMEOUT_MULTIPLIER=$(CROSS_TIMEOUT_MULTIPLIER) $(QEMU) $(XB)/tests/check-static
	$(Q)CK_TIMEOUT_MULTIPLIER=$(CROSS_TIMEOUT_MULTIPLIER) $(QEMU) $(XB)/tests/check-internal
	$(Q)$(CROSS)-strip -o $(XB)/libforget.so.stripped $(XB)/libforget.so.$(VERSION)
	$(Q)$(CROSS)-size $(XB)/libforget.so.stripped
