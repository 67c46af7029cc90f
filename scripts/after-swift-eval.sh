#!/usr/bin/env bash
# The evaluation harness (`make eval`) on the Swift engine, smoke-sized: `pixwizard batch` runs the
# shipped pixwizard-mini on 1 image per task (held-out wordings, 2 steps, then text guidance 2 to take
# the batch file's guidance field through the engine); every task must print its eval line.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for g in 1 2; do
  python3 Training/mini/evaluate.py --engine swift --n 1 --no-seen --steps 2 --guidance $g --out "$T/eval" 2>&1 \
    | tr '\r' '\n' | grep "^eval\|^evaluate" > "$T/log$g"
  grep -q "engine=swift" "$T/log$g"
  test "$(grep -c '^eval task=' "$T/log$g")" = 17
  tail -1 "$T/log$g"
done
# The guidance reached the engine: the scores differ.
if diff -q <(grep '^eval task=' "$T/log1") <(grep '^eval task=' "$T/log2") >/dev/null; then
  echo "text_guidance in the batch file had no effect" >&2; exit 1
fi
echo "eval (swift engine): ok"
