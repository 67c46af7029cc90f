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

# pixwizard-mini evaluation (Swift engine when `pixwizard batch` is built, else the PyTorch reference);
# N=... images per task (default: evaluate.py's, 32).
eval:
	python3 Training/mini/evaluate.py --engine $${ENGINE:-auto} $${N:+--n $$N}

# Swift DiT forward vs the PyTorch reference, alternating in one run (docs/BENCHMARKS.md).
# DIT_CONFIGS=a,b,c (c = the full 2B config: ~17 GB of RAM, minutes); THREADS = BLAS/torch threads.
DIT_CONFIGS ?= a,b,c
THREADS ?= 1
bench-dit:
	swift build $(SWIFT_RELEASE) --product pixwizard-bench
	python3 Benchmarks/dit_bench.py --bin "$(BIN)/pixwizard-bench" --configs $(DIT_CONFIGS) --threads $(THREADS)

# Daemon round trips (Unix, TCP) and preview overhead against the real `pixwizard serve` (docs/BENCHMARKS.md).
bench-daemon:
	swift build $(SWIFT_RELEASE) --product pixwizard
	swift build $(SWIFT_RELEASE) --product pixwizard-bench
	"$(BIN)/pixwizard-bench" daemon --models Models --model pixwizard-mini --image Examples/noisy-rocket.png

clean:
	rm -rf .build

# Full-size official pipeline, random weights in the official layout, 512² (~10 GB generated once).
bench-full:
	./scripts/bench-full.sh
