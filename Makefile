# PixWizard daemon. `make setup` once on a fresh machine, then `make test` / `make demo`.
SHELL := /bin/bash
# Release builds target x86-64-v3 (AVX2 + FMA): without it Swift SIMD becomes per-lane libm calls.
SWIFT_CPU_FLAGS ?= -Xcc -march=x86-64-v3 -Xswiftc -target-cpu -Xswiftc haswell
SWIFT_RELEASE := -c release $(SWIFT_CPU_FLAGS)
export OPENBLAS_THREAD_TIMEOUT ?= 1
export OMP_WAIT_POLICY ?= PASSIVE
BIN = $(shell swift build $(SWIFT_RELEASE) --show-bin-path 2>/dev/null)

.PHONY: setup build test test-swift test-python demo bench-dit bench-daemon bench-full eval clean

setup:
	./scripts/setup.sh

build:
	swift build $(SWIFT_RELEASE) --product pixwizard

# The test command: every check CI runs.
test:
	./scripts/test.sh

demo:
	./scripts/demo.sh

clean:
	rm -rf .build

# Full-size official pipeline, random weights in the official layout, 512² (~10 GB generated once).
bench-full:
	./scripts/bench-full.sh
