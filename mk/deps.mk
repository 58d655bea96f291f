# mk/deps.mk — the package check (tools/deps.sh) behind every build: $(DEPS_STAMP), deps-check.

# The packages are checked (and installed when run as root) once per
# build folder; `make deps-check` forces it.
$(DEPS_STAMP):
	$(Q)mkdir -p $(@D)
	$(Q)sh tools/deps.sh build
	$(Q)touch $@

deps-check:
	$(Q)sh tools/deps.sh check
