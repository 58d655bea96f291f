# mk/abi.mk — the committed ABI baseline of this major, compared with abidiff (abi-check, abi-baseline).

ABI_BASE := abi/libforget.so.$(MAJOR).abi
abi-check: $(SHLIB)
	$(Q)sh tools/abi-check.sh $(SHLIB) $(ABI_BASE)

abi-baseline: $(SHLIB)
	$(Q)abidw --headers-dir include/forget --no-corpus-path $(SHLIB) \
	    --out-file $(ABI_BASE)
