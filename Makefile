# voxtools top-level Makefile.
#
#   make              build every library (build/lib/) and tool (bin/), -O3, use -j
#   make test         install missing packages, build, run unit + CLI tests (the CI command)
#   make demo         install missing packages, build, run egs/mini end to end
#   make bench        throughput benchmarks (results: tests/bench/README.md)
#   make test-asan    unit tests and fuzz corpora under AddressSanitizer + UBSan
#   make check-deps   fail on an include that breaks the library dependency order
#   make clean
#   make CUDA=1       also build src/cudamatrix with nvcc (the CUDA backend)
#
# Each library is a folder src/<lib>/ whose module.mk declares its direct dependencies
# (<lib>_DEPS) and external libraries (<lib>_LDLIBS); every .cc in the folder is compiled.
# Each src/bin/<tool>.cc becomes bin/<tool>.

# Libraries, highest first: this is also the static link order.
LIBS := nnet backend feat io matrix base
ifeq ($(CUDA),1)
  LIBS := $(filter-out base,$(LIBS)) cudamatrix base
endif

CXX      ?= g++
# No -ffast-math: it drops the NaN/Inf guarantees the readers rely on.
ARCH_FLAGS ?= -march=native
OPT_FLAGS  ?= -O3
CXXFLAGS ?= $(OPT_FLAGS) $(ARCH_FLAGS) -g -std=c++17 -Wall -Wextra -Wno-unused-parameter -fopenmp
SANITIZE ?=
CPPFLAGS += -Isrc $(shell pkg-config --cflags hdf5) -MMD -MP
LDFLAGS  += -fopenmp -Wl,--as-needed $(SANITIZE)
CXXFLAGS += $(SANITIZE)

BUILD := build$(if $(SANITIZE),-asan)$(if $(filter 1,$(CUDA)),-cuda)
BINDIR := bin$(if $(SANITIZE),-asan)

include $(foreach l,$(LIBS),src/$(l)/module.mk)

lib_srcs = $(wildcard src/$(1)/*.cc src/$(1)/*/*.cc)
lib_objs = $(patsubst src/%.cc,$(BUILD)/obj/%.o,$(call lib_srcs,$(1)))
lib_file = $(BUILD)/lib/libvox-$(1).a

LIB_FILES := $(foreach l,$(LIBS),$(call lib_file,$(l)))
EXT_LIBS  := $(sort $(foreach l,$(LIBS),$($(l)_LDLIBS))) -lpthread

TOOL_SRCS := $(wildcard src/bin/*.cc)
TOOLS     := $(patsubst src/bin/%.cc,$(BINDIR)/%,$(TOOL_SRCS))

TEST_LIBS := $(foreach l,$(LIBS),$(if $(wildcard tests/unit/$(l)/*-test.cc),$(l)))
TEST_BINS := $(foreach l,$(TEST_LIBS),$(BUILD)/tests/$(l)-test)

.PHONY: all deps test demo bench test-asan check-deps clean unit-tests fuzz
all: $(TOOLS) $(TEST_BINS)

deps:
	@utils/install_deps.sh

$(BUILD)/obj/%.o: src/%.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

define LIB_RULE
$(call lib_file,$(1)): $(call lib_objs,$(1))
	@mkdir -p $$(dir $$@)
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach l,$(LIBS),$(eval $(call LIB_RULE,$(l))))

$(BINDIR)/%: $(BUILD)/obj/bin/%.o $(LIB_FILES)
	@mkdir -p $(BINDIR)
	$(CXX) $(LDFLAGS) $< $(LIB_FILES) $(EXT_LIBS) -o $@

# One GoogleTest binary per library: tests/unit/<lib>/*-test.cc.
$(BUILD)/obj/tests/%.o: tests/%.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) -Itests $(CXXFLAGS) -c $< -o $@
define TEST_RULE
$(BUILD)/tests/$(1)-test: $(patsubst tests/%.cc,$(BUILD)/obj/tests/%.o,$(wildcard tests/unit/$(1)/*-test.cc)) $(LIB_FILES)
	@mkdir -p $$(dir $$@)
	$(CXX) $(LDFLAGS) $$(filter %.o,$$^) $(LIB_FILES) $(EXT_LIBS) -lgtest -lgtest_main -o $$@
endef
$(foreach l,$(TEST_LIBS),$(eval $(call TEST_RULE,$(l))))

unit-tests: $(TEST_BINS)

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory check-deps
	@tests/run-tests.sh

demo: deps
	@$(MAKE) --no-print-directory all
	cd egs/mini && ./run.sh

bench: all
	@tests/bench/run.sh

test-asan:
	@$(MAKE) --no-print-directory SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer" OPT_FLAGS=-O1 unit-tests
	@BUILD=build-asan tests/run-tests.sh --unit-only
	@tests/fuzz/run.sh

check-deps:
	@tests/check-deps.sh $(LIBS)

clean:
	rm -rf build build-asan build-cuda build-fuzz bin-asan; find bin -type f ! -name .gitignore -delete

# Keep the tools' object files: they are intermediate to make, which would delete them.
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
