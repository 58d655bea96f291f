# mk/cpp.mk — the C++ header forget.hpp: its tests (check-cpp, run by make
# check, make sanitize and make valgrind), its header test (a part of
# headertest) and its installation (a part of install-headers/uninstall).

# make CC=clang-14 builds the C++ side with clang++-14 too (unless CXX is
# given), so that one command checks a compiler family.
ifeq ($(origin CXX),default)
ifneq ($(filter clang%,$(notdir $(CC))),)
CXX := $(subst clang,clang++,$(CC))
endif
endif

CXX_HEADERS := include/forget/forget.hpp $(sort $(wildcard include/forget/cpp/*.hpp))
CPP_TEST_SRCS := $(sort $(wildcard tests/cpp/*.cpp))
CPP_TEST_OBJS := $(CPP_TEST_SRCS:tests/cpp/%.cpp=$(B)/tests/cpp/%.o)
CPP_TEST := $(B)/tests/check-cpp
CXX_STD ?= c++11
CPP_WARNINGS := -Wall -Wextra $(WERROR) -pedantic -Wshadow -Wnon-virtual-dtor
ALL_CXXFLAGS = -std=$(CXX_STD) $(CPP_WARNINGS) $(CFLAGS) $(SAN_FLAGS)

.PHONY: check-cpp headertest-cpp install-cpp-headers uninstall-cpp-headers

$(B)/tests/cpp/%.o: tests/cpp/%.cpp $(HEADERS) $(CXX_HEADERS) | $(DEPS_STAMP)
	$(Q)mkdir -p $(@D)
	@$(if $(Q),echo '  CXX     $<')
	$(Q)$(CXX) -Iinclude $(ALL_CXXFLAGS) -MMD -MP -c -o $@ $<

# Linked to the shared library in build/, to the static one (and its
# sanitized objects) under SAN=1.
$(CPP_TEST): $(CPP_TEST_OBJS) $(if $(SAN),$(STLIB),$(SHLIB) $(B)/libforget.so)
	$(Q)$(CXX) $(ALL_CXXFLAGS) -o $@ $(CPP_TEST_OBJS) \
	    $(if $(SAN),$(STLIB) $(LIBS),-L$(B) -lforget -Wl$(comma)-rpath$(comma)'$$ORIGIN/..') -lpthread

check-cpp: $(CPP_TEST)
	@echo '== C++ tests of forget.hpp (tests/cpp)'
	$(Q)$(CPP_TEST)

# forget.hpp and each of its parts alone, as C++11, C++14 and C++17, with
# the warnings strict C++ projects turn on (a header must not add any).
HEADERTEST_CXXFLAGS := -Wall -Wextra -pedantic -Werror -Wshadow -Wconversion \
    -Wsign-conversion -Wold-style-cast -Wzero-as-null-pointer-constant \
    -Wnon-virtual-dtor -Wcast-qual
headertest: headertest-cpp
headertest-cpp: | $(DEPS_STAMP)
	$(Q)mkdir -p $(B)/headertest
	$(Q)for h in $(CXX_HEADERS:include/%=%); do \
	    n=$$(echo $$h | tr '/.' '__'); \
	    printf '#include <%s>\nint main(void) { return 0; }\n' $$h > $(B)/headertest/$$n.cpp; \
	    for std in c++11 c++14 c++17; do \
	        $(CXX) -std=$$std $(HEADERTEST_CXXFLAGS) -Iinclude \
	            -c -o /dev/null $(B)/headertest/$$n.cpp || exit 1; \
	    done; \
	    echo "  header  $$h: c++11 c++14 c++17 ok"; \
	done

install-headers: install-cpp-headers
install-cpp-headers:
	$(INSTALL) -d $(DESTDIR)$(INCLUDEDIR)/forget/cpp
	$(INSTALL) -m 644 include/forget/forget.hpp $(DESTDIR)$(INCLUDEDIR)/forget/
	$(INSTALL) -m 644 $(filter include/forget/cpp/%,$(CXX_HEADERS)) \
	    $(DESTDIR)$(INCLUDEDIR)/forget/cpp/

# Before uninstall's own recipe, which removes the folder forget/ last.
uninstall: uninstall-cpp-headers
uninstall-cpp-headers:
	rm -f $(CXX_HEADERS:include/forget/%=$(DESTDIR)$(INCLUDEDIR)/forget/%)
	-rmdir $(DESTDIR)$(INCLUDEDIR)/forget/cpp 2>/dev/null

-include $(CPP_TEST_OBJS:.o=.d)
