# wirewatch — build, test, run.  `make run` and `make test` are the two entry points.
#
# Sources are found by wildcard: a new workers/<stage>/*.c or tests/unit/test_*.c needs
# no edit here.  Generated protobuf code goes to $(BUILD)/gen and is never committed.

SHELL      := /bin/bash
# `make` alone builds bin/wirewatch.  Said explicitly: the first rule in this file is a
# generated-data rule (classify's embedded data), which would otherwise be the default.
.DEFAULT_GOAL := build
CC         ?= cc
CXX        ?= c++
SANITIZER  ?=
FUZZ       ?=
ifeq ($(FUZZ),1)
# libFuzzer build: clang, coverage instrumentation everywhere, ASan+UBSan.
CC         := clang
CXX        := clang++
SANITIZER  := fuzzer-no-link,address,undefined
BUILD      := build-fuzz
endif
ifeq ($(CLANG),1)
# The library and its unit tests under clang's ASan+UBSan (tests/run-all.sh, "clang"):
# clang's UBSan reports what GCC's does not (NULL + 0 passed GCC's, docs/security.md).
CC         := clang
CXX        := clang++
SANITIZER  := address,undefined
BUILD      := build-clang
endif
# ThreadSanitizer (SANITIZER=thread, by hand: docs/benchmarks.md, "worker.threads")
# cannot share objects with ASan: its own build directory and binary.
SAN_TAG    := $(if $(SANITIZER),$(if $(findstring thread,$(SANITIZER)),-tsan,$(if $(filter 1,$(CLANG)),-clang,-san)))
BUILD      ?= build$(SAN_TAG)
BIN        := bin
WW         := $(BIN)/wirewatch$(SAN_TAG)

# Debian 12 packages, by what needs them.  `make deps` installs whatever of DEB_BUILD
# and DEB_RUN is missing (apt-get, as root or through sudo): all `make build` and `make
# run` need.  `make deps-test` (which `make test` calls) adds DEB_TEST, what only the
# tests use (browsers, brokers, servers, compilers); `make deps-bench` adds DEB_TEST and
# DEB_BENCH.
DEB_BUILD  := build-essential pkg-config protobuf-c-compiler protobuf-compiler \
              libprotobuf-c-dev libzmq3-dev libjansson-dev librdkafka-dev \
              libcurl4-openssl-dev libssl-dev libxml2-dev libutf8proc-dev \
              libuchardet-dev libcld2-dev libmicrohttpd-dev zlib1g-dev libdeflate-dev libbrotli-dev iso-codes \
              libicu-dev libstemmer-dev
DEB_RUN    := ca-certificates
DEB_TEST   := libcmocka-dev kcat clang libclang-rt-14-dev python3 python3-venv \
              maven default-jre-headless nginx-light curl jq openssl fasttext prometheus chromium \
              python3-yaml clang-format universal-ctags
DEB_BENCH  := wrk python3-readability python3-sklearn time

PKGS       := libzmq libprotobuf-c jansson rdkafka libcurl libcrypto libxml-2.0 libutf8proc \
              uchardet libmicrohttpd zlib libdeflate libbrotlidec icu-uc icu-i18n
WARN       := -Wall -Wextra -Wformat=2 -Werror -Wno-unused-parameter
OPT        ?= -O2 -g
SANFLAGS   := $(if $(SANITIZER),-fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all)
CPPFLAGS   += -Iinclude -I$(BUILD)/gen -D_GNU_SOURCE $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CFLAGS     += -std=c11 $(OPT) $(WARN) $(SANFLAGS) -MMD -MP
CXXFLAGS   += -std=c++11 $(OPT) -Wall -Werror $(SANFLAGS) -MMD -MP
LDLIBS     += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcld2 -lstemmer -lstdc++ -lpthread -lm
LDFLAGS    += $(SANFLAGS)

PROTOS     := $(wildcard proto/wirewatch/v1/*.proto)
GEN_C      := $(patsubst proto/%.proto,$(BUILD)/gen/%.pb-c.c,$(PROTOS))
GEN_H      := $(GEN_C:.c=.h)
LIB_SRC    := $(filter-out workers/cli/main.c,$(wildcard workers/*/*.c))
LIB_CXX    := $(wildcard workers/*/*.cc)
LIB_OBJ    := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC)) \
              $(patsubst %.cc,$(BUILD)/obj/%.o,$(LIB_CXX)) \
              $(patsubst %.c,%.o,$(GEN_C))
LIB        := $(BUILD)/libwirewatch.a

# ---- classify: embedded default data (owner: classify) -----------------------------
# The default taxonomy, entity lists and Debian iso-codes' country list are compiled
# into the library, so the binary needs no data path.  Generated, never committed.
CLASSIFY_DATA := workers/classify/data/iptc-mediatopic.json \
                 workers/classify/data/country-aliases.json \
                 workers/classify/data/organizations.json \
                 workers/classify/data/given-names.json
ISO3166_JSON  ?= /usr/share/iso-codes/json/iso_3166-1.json
LIB_OBJ    += $(BUILD)/gen/classify_data.o
$(BUILD)/gen/classify_data.c: $(CLASSIFY_DATA) $(ISO3166_JSON) workers/classify/tools/embed.sh
	@mkdir -p $(dir $@)
	workers/classify/tools/embed.sh $@ \
	    ww__data_iptc workers/classify/data/iptc-mediatopic.json \
	    ww__data_country_aliases workers/classify/data/country-aliases.json \
	    ww__data_organizations workers/classify/data/organizations.json \
	    ww__data_given_names workers/classify/data/given-names.json \
	    ww__data_iso3166 $(ISO3166_JSON)
$(BUILD)/gen/classify_data.o: $(BUILD)/gen/classify_data.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
# Language packs: every workers/classify/data/rules/<lang>.json, found by wildcard.
LANG_PACKS    := $(sort $(wildcard workers/classify/data/rules/*.json))
LIB_OBJ    += $(BUILD)/gen/classify_packs.o
$(BUILD)/gen/classify_packs.c: $(LANG_PACKS) workers/classify/tools/embed_packs.sh \
                               workers/classify/tools/embed.sh workers/classify/data/rules
	@mkdir -p $(dir $@)
	workers/classify/tools/embed_packs.sh $@ $(LANG_PACKS)
$(BUILD)/gen/classify_packs.o: $(BUILD)/gen/classify_packs.c
	$(CC) $(CPPFLAGS) -Iworkers/classify $(CFLAGS) -c -o $@ $<
# Tables the classifier once asked ICU for at start-up (Traditional->Simplified Han;
# CLDR country names in the packs' languages), asked of the build machine's ICU here:
# ICU's transliterator and locale data cost every worker 7 MB of RSS (docs/benchmarks.md).
LIB_OBJ    += $(BUILD)/gen/classify_icu.o
$(BUILD)/tools/icu_tables: workers/classify/tools/icu_tables.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -std=c11 $(OPT) $(WARN) -o $@ $< $(shell pkg-config --libs icu-uc icu-i18n)
$(BUILD)/gen/classify_icu.c: $(BUILD)/tools/icu_tables $(LANG_PACKS)
	@mkdir -p $(dir $@)
	$(BUILD)/tools/icu_tables $@ $(basename $(notdir $(LANG_PACKS)))
$(BUILD)/gen/classify_icu.o: $(BUILD)/gen/classify_icu.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
# Rebuild the project's IPTC file from the IPTC release + hand-written rules.
IPTC_JSON  ?= ../shared/taxonomy/iptc-mediatopic-2023-10-24.json
BENCH_DATA ?= ../shared/bench/classify-dev
iptc-taxonomy:
	python3 workers/classify/tools/iptc_convert.py \
	    --iptc $(IPTC_JSON) --rules workers/classify/data/iptc-rules.json \
	    --out workers/classify/data/iptc-mediatopic.json
# Matcher throughput and BBC top-1 accuracy of the default rules (figures, not a test).
bench-classify-rules: $(LIB)
	tests/bench/bench-matcher.sh $(BENCH_DATA)
.PHONY: iptc-taxonomy bench-classify-rules
# ---- end classify -------------------------------------------------------------------
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY:= $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz-replay/%,$(FUZZ_SRC))

.PHONY: all build deps deps-test deps-bench run test unit integration test-san fuzz fuzz-bin \
        fuzz-replay clean format-check bench-extract bench-classify bench-fetch bench-kafka \
        bench-langid py-deps
all: build
build: $(WW)

deps:
	@missing=$$(for p in $(DEB_BUILD) $(DEB_RUN) $(EXTRA_DEBS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "deps: installing $$missing"; \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	else echo "deps: all Debian packages present"; fi

# npm (for buf, tests/package.json): the machine's Node.js usually brings it; Debian's
# npm only where there is none.  tests/run-all.sh runs `npm ci` into tests/node_modules.
deps-test:
	@$(MAKE) --no-print-directory deps EXTRA_DEBS="$(DEB_TEST) $(EXTRA_DEBS)"
	@command -v npm >/dev/null || $(MAKE) --no-print-directory deps EXTRA_DEBS="npm"

deps-bench:
	@$(MAKE) --no-print-directory deps EXTRA_DEBS="$(DEB_TEST) $(DEB_BENCH)"

$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: proto/%.proto
	@mkdir -p $(BUILD)/gen
	protoc-c --proto_path=proto --c_out=$(BUILD)/gen $<

$(BUILD)/gen/%.pb-c.o: $(BUILD)/gen/%.pb-c.c
	$(CC) $(CPPFLAGS) $(filter-out -Werror,$(CFLAGS)) -c -o $@ $<

$(BUILD)/obj/%.o: %.c $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# bin/wirewatch does not load the libraries only the pipeline commands use at start-up:
# with their dependencies 40 of its 57 shared objects, half of every process start
# (docs/benchmarks.md, "Start-up").  It links a copy of the library archive in which the
# references to their symbols are weak, and not the libraries themselves (no DT_NEEDED);
# the commands that use them dlopen them first (workers/cli/pipeline_libs.c, sonames
# from here), and the lazily bound PLT slots then find them.  Only symbols these
# libraries define are weakened: anything else missing still fails the link.  Sanitizer
# builds link them as before.
LAZY_PKGS   := libzmq rdkafka libcurl libmicrohttpd libcrypto uchardet libbrotlidec
LAZY_L      := $(shell pkg-config --libs-only-l $(LAZY_PKGS) 2>/dev/null) -lcld2
LAZY_SOS    := $(foreach l,$(patsubst -l%,%,$(LAZY_L)),$(shell $(CC) -print-file-name=lib$(l).so))
LAZY_SONAMES := $(foreach f,$(LAZY_SOS),$(shell readelf -d $(f) 2>/dev/null | \
                   sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p'))
WW_LAZY     := $(if $(SANITIZER),,$(if $(word 8,$(LAZY_SONAMES)),1))
comma       := ,
$(BUILD)/obj/workers/cli/pipeline_libs.o: CPPFLAGS += \
    -DWW_LAZY_LIBS='$(subst $(eval) ,$(comma),$(patsubst %,"%",$(LAZY_SONAMES)))'

$(BUILD)/libwirewatch-lazy.a: $(LIB)
	nm -D --defined-only $(LAZY_SOS) | awk 'NF == 3 {sub(/@.*/, "", $$3); print $$3}' | \
	    sort -u > $@.defined
	nm --undefined-only $< | awk '$$1 == "U" {print $$2}' | sort -u | \
	    comm -12 - $@.defined > $@.weak
	objcopy --weaken-symbols=$@.weak $< $@

ifeq ($(WW_LAZY),1)
$(WW): $(BUILD)/obj/workers/cli/main.o $(BUILD)/libwirewatch-lazy.a
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(filter-out $(LAZY_L),$(LDLIBS))
else
$(WW): $(BUILD)/obj/workers/cli/main.o $(LIB)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
endif

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIB) $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/unit -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS) -lcmocka

# Fuzz targets: each defines LLVMFuzzerTestOneInput; tests/fuzz/replay_main.c replays
# a corpus with any compiler, so gcc builds run every corpus in `make test`.
$(BUILD)/fuzz-replay/%: tests/fuzz/%.c tests/fuzz/replay_main.c $(wildcard tests/unit/*.h) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< tests/fuzz/replay_main.c $(LIB) $(LDFLAGS) $(LDLIBS)

# libFuzzer binaries (make FUZZ=1 fuzz-bin); tests/fuzz/run-libfuzzer.sh drives them.
$(BUILD)/fuzz/%: tests/fuzz/%.c $(wildcard tests/unit/*.h) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(LIB) $(LDFLAGS) -fsanitize=fuzzer $(LDLIBS)
fuzz-bin: $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))

unit: $(UNIT_BIN)
fuzz-replay: $(FUZZ_REPLAY)

# Builds run on every core; deps first, always (a parallel make must not compile
# before the packages are there).
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

run: deps
	@$(MAKE) --no-print-directory -j$(JOBS) build
	$(WW) run tests/fixtures/samples/*

# The README's test command.  Every test, one closing line "N passed, N failed".
test: deps-test
	@$(MAKE) --no-print-directory -j$(JOBS) build unit fuzz-replay
	@tests/run-all.sh

# One sanitizer pass; tests/run-all.sh calls it (and it can be run alone).
test-san:
	@$(MAKE) --no-print-directory -j$(JOBS) SANITIZER=address,undefined build unit fuzz-replay

# Every fuzz target under libFuzzer for FUZZ_SECONDS each (default 60).
fuzz:
	@$(MAKE) --no-print-directory FUZZ=1 fuzz-bin
	@tests/fuzz/run-libfuzzer.sh $(or $(FUZZ_SECONDS),60)

# Extraction benchmark (tests/bench/bench-extract.sh): F1, pages/s, peak RSS of
# `wirewatch extract` and readability-lxml on BENCH (a dataset outside the repo).
bench-extract: build
	@[ -n "$(BENCH)" ] || { echo "usage: make bench-extract BENCH=/path/to/extraction-dev"; exit 2; }
	@tests/bench/bench-extract.sh $(BENCH)
# 5-fold CV of the linear model vs fastText and TF-IDF + LinearSVC (prints figures).
bench-classify: build
	@[ -n "$(BENCH)" ] || { echo "usage: make bench-classify BENCH=../shared/bench/classify-dev [SETS=bbc,reuters,gnad10k]"; exit 2; }
	@$(MAKE) --no-print-directory deps-bench
	@tests/bench/bench-classify.sh $(BENCH) $(WW) $(SETS)

# --- reliability (issue 8): soak and chaos over a real broker they start -----------
# make soak [SOAK_DOCS=1000000]: documents through three worker processes over Kafka,
#   throughput and RSS per worker every 10 s, RSS at the end within 10% of warm-up.
# make chaos [ROUNDS=3] [CHAOS_DOCS=600]: kill -9 / broker restart at random times,
#   per round inputs, outputs, missing (must be 0), duplicates (0 with transactions).
.PHONY: soak chaos
soak: build
	@tests/soak/soak.sh $(or $(SOAK_DOCS),1000000)
chaos: build
	@tests/soak/chaos.sh $(or $(ROUNDS),3) $(or $(CHAOS_DOCS),600)
# --- end reliability ---------------------------------------------------------------

# --- container image (deploy/Dockerfile) with Debian's podman; no registry needed ---
# make image: the base (pulled, or made by debootstrap when no registry answers), then
#   the image, tagged $(IMAGE).  make test-image: tests/image/run.sh against it.
IMAGE      ?= localhost/wirewatch:dev
PODMAN     := podman --storage-driver vfs
.PHONY: image test-image
image:
	@$(MAKE) --no-print-directory deps EXTRA_DEBS="podman runc debootstrap"
	deploy/make-base-image.sh $(PODMAN)
	$(PODMAN) build --pull=never --isolation chroot -f deploy/Dockerfile -t $(IMAGE) .
	@echo "image $(IMAGE): $$($(PODMAN) image inspect --format '{{.Size}}' $(IMAGE)) bytes"
test-image: image
	@tests/image/run.sh
# --- end container image -------------------------------------------------------------

format-check:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h' '*.cc')

clean:
	rm -rf build build-san build-tsan build-fuzz build-clang bin

# a test binary's .d names the headers its one source includes; a fuzz binary has two
# sources (its .d is replay_main.c's), so its rule names tests/unit/*.h instead
-include $(LIB_OBJ:.o=.d) $(BUILD)/obj/workers/cli/main.d $(wildcard $(BUILD)/tests/*.d)
.SECONDARY: $(GEN_C) $(GEN_H)

# Fetch benchmark: local nginx + wrk in the same run (tests/bench/bench-fetch.sh).
bench-fetch: build
	@tests/bench/bench-fetch.sh $(WW)

# Language identification: how the parse stage's language confidence separates right
# from wrong guesses on tests/fixtures/langid/cases.tsv and the test stories (figures).
bench-langid: $(LIB)
	@BUILD=$(BUILD) tests/bench/bench-langid.sh

# Kafka throughput: wirewatch's endpoints vs kcat on the same messages (own broker).
bench-kafka: $(LIB)
	@BUILD=$(BUILD) tests/bench/bench-kafka.sh
