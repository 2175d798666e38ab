# Thin driver over CMake: `make`, `make test`, `make run`, `make bench-api`, `make bench-proxy`.
BUILD      ?= build
TEST_BUILD ?= build-test
JOBS       ?= $(shell nproc)
DATA_DIR   ?= /var/lib/c8s

.PHONY: all deps build test run bench-api bench-proxy format clean

all: build

deps:
	@bash deploy/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The whole suite, under AddressSanitizer and UndefinedBehaviorSanitizer, as CI runs it.
test: deps
	@cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DC8S_SANITIZE=ON >/dev/null
	@cmake --build $(TEST_BUILD) -j $(JOBS)
	@cd $(TEST_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS)

run: build
	@echo "c8s: starting a one-node server; data in $(DATA_DIR), kubeconfig $(DATA_DIR)/admin.kubeconfig"
	@$(BUILD)/c8s server --data-dir $(DATA_DIR)

bench-api: build
	@$(BUILD)/bench_api

bench-proxy: build
	@$(BUILD)/bench_proxy

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(TEST_BUILD)
