# Front door for newcomers. Everything real lives in CMake; this file only
# strings the steps together.
#
#   make run    install dependencies, build, start the server on http://localhost:8080
#   make test   install dependencies, build, run every test (normal build, then ASan+UBSan,
#               then a short libFuzzer run of every parser)

JOBS      ?= $(shell nproc)
BUILD     ?= build
ASAN      ?= build-asan
FUZZ      ?= build-fuzz
RUN_ARGS  ?=
CTEST      = ctest --output-on-failure --no-tests=error

.PHONY: all setup setup-runtime build run test test-unit test-asan test-fuzz test-unstable bench clean

all: build

setup:
	scripts/setup.sh

setup-runtime:
	scripts/setup.sh --runtime

$(BUILD)/Makefile:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

run: setup-runtime build
	$(BUILD)/switchboard --web-root web-demo $(RUN_ARGS)

test: setup build
	cd $(BUILD) && $(CTEST) -j $(JOBS) -LE unstable
	$(MAKE) test-asan test-fuzz

test-unit: build
	cd $(BUILD) && $(CTEST) -L 'unit|fuzz'

# Tests with a known intermittent failure (tests/CMakeLists.txt lists them and says why).
test-unstable: setup build
	cd $(BUILD) && ctest --output-on-failure --no-tests=ignore -L unstable

# Unit, fuzz-corpus and integration tests again under AddressSanitizer + UBSan.
test-asan:
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DSB_SANITIZE=ON
	cmake --build $(ASAN) -j $(JOBS)
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $(CTEST) -j $(JOBS) -L 'unit|fuzz|integration'

# Each libFuzzer harness runs for a bounded time from its committed corpus.
test-fuzz:
	CC=clang cmake -S . -B $(FUZZ) -DCMAKE_BUILD_TYPE=Debug -DSB_FUZZ=ON
	cmake --build $(FUZZ) -j $(JOBS)
	cd $(FUZZ) && $(CTEST) -j $(JOBS) -L fuzz

# Benchmarks print figures (no pass/fail): see tests/bench/README.md.
bench: build
	$(BUILD)/tests/bench_forward 200000 1 10 50

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ)
