#!/usr/bin/env bash
# Text suite, Python side: the committed tokenizer/MiniLM fixtures (Tests/Fixtures/text) must equal what
# the installed transformers computes from the committed vocab/merges/weights. The Swift parity tests
# (PixTextTests, MiniLMEncoderTests) then compare the Swift code against these fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY=PASSIVE TRANSFORMERS_VERBOSITY=error TOKENIZERS_PARALLELISM=false
python Training/fixtures/make_text.py --check
