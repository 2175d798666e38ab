# Thin driver over CMake: `make`, `make test`, `make fuzz`, `make run`, and the harnesses
# `make bench-api`, `make bench-proxy`, `make bench-scheduler`, `make bench-pods`, `make soak`,
# `make valgrind`.
BUILD      ?= build
TEST_BUILD ?= build-test
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS       ?= $(shell nproc)
DATA_DIR   ?= /var/lib/c8s
RUN_ARGS   ?=

.PHONY: all deps build install test fuzz run bench-api bench-proxy bench-scheduler bench-pods soak \
	valgrind format clean

all: build

deps:
	@bash deploy/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The binary, the systemd unit and /etc/c8s/config.yaml (kept when present); starts the unit when
# systemd runs. DESTDIR=... stages instead.
install: build
	@bash deploy/install.sh --build-dir $(BUILD)

# The whole suite, under AddressSanitizer and UndefinedBehaviorSanitizer, as CI runs it: the
# release binary built too, a brief run of every fuzz target, then ctest.
test: deps
	@cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DC8S_SANITIZE=ON >/dev/null
	@cmake --build $(TEST_BUILD) -j $(JOBS)
	@# The optimized build warns about things the debug build does not (-Wformat-truncation):
	@# the binary users install must build too.
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target c8s
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=5
	@cd $(TEST_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS)

# libFuzzer targets (tests/fuzz), built with clang under ASan and UBSan, FUZZ_SECONDS each.
fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
		-DC8S_SANITIZE=ON -DC8S_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers
	@bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Says what it does at each step: a first run installs packages and builds for minutes.
run:
	@echo "c8s: 1/3 checking the Debian packages (deploy/install-deps.sh)"
	@bash deploy/install-deps.sh
	@echo "c8s: 2/3 building $(BUILD)/c8s"
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target c8s
	@echo "c8s: 3/3 starting a one-node server in the foreground (Ctrl-C stops it); data in $(DATA_DIR)"
	@echo "c8s: when the log says \"serving on\", try: KUBECONFIG=$(DATA_DIR)/admin.kubeconfig kubectl get nodes"
	@$(BUILD)/c8s server --data-dir $(DATA_DIR) $(RUN_ARGS)

bench-api: build
	@$(BUILD)/bench_api

bench-proxy: build
	@$(BUILD)/bench_proxy

bench-scheduler: build
	@$(BUILD)/bench_scheduler

# Real pods under runc on one node (root: it makes its own network and mount namespaces).
bench-pods: build
	@$(BUILD)/bench_pods

# The long soak (docs/reliability.md): 1,000 watchers (HTTP/2 streams, as client-go watches),
# 500 writes/s, 10 minutes against the release binary; SOAK_ARGS="-w N -r R -s S" for another
# mix, "--http1" for a connection per watcher. `make test` runs its short mode.
SOAK_ARGS ?=
soak: build
	@$(BUILD)/bench_soak $(SOAK_ARGS)

# A representative subset of the test programs under valgrind's memcheck, built without
# sanitizers (tests/valgrind.sh says which; logs in $(BUILD)/valgrind/).
valgrind: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@bash tests/valgrind.sh $(BUILD)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(FUZZ_BUILD)
