#!/usr/bin/env bash
# C and Python client suites (issue 4), after the Swift build:
#  1. generated-code staleness (Python pb2), README examples identical to the compiled/run files;
#  2. the C library, example, pkg-config file, header as C99 and C++11; codec + hostile-server suites
#     under valgrind; the Python package under mypy --strict; its codec + hostile-server tests;
#  3. against the real daemon (`pixwizard serve` on a temp Unix socket and TCP port, test model from
#     Training/fixtures/make_test_model.py): the C e2e suite under valgrind, pixwizard-c-edit, the
#     README examples, and the Python e2e suite (sync, asyncio, `python -m pixwizard edit`).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
VALGRIND="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible"

echo "-- clients: generated Python modules and README examples up to date"
Clients/python/gen_pb2.sh --check
python3 - <<'PY'
import re, sys
s = open("README.md").read()
c = re.search(r"<!-- readme-c-begin -->\n```c\n(.*?)```\n<!-- readme-c-end -->", s, re.S)
f = open("Clients/c/examples/readme.c").read().split("\n", 1)[1]
if not c or c.group(1) != f:
    sys.exit("README's C example differs from Clients/c/examples/readme.c")
PY

echo "-- clients: C library, example, pkg-config, header as C and C++; unit suites under valgrind"
make -s -C Clients/c all tests >/dev/null
make -s -C Clients/c test-unit
echo "-- clients: Python mypy --strict + codec/hostile tests"
(cd Clients/python && mypy pixwizard tests && python3 -m pytest -q -p no:cacheprovider tests/test_framing.py tests/test_hostile.py tests/test_golden.py)

echo "-- clients: against the real daemon"
BIN=$(pixwizard_bin)
[ -x "$BIN" ] || { echo "no daemon binary at $BIN: build it first (swift build -c release)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/pw-clients.XXXXXX)
pid=""
pid2=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "$pid2" ]; then kill -TERM "$pid2" 2>/dev/null || true; wait "$pid2" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
python3 Training/fixtures/make_test_model.py --out "$tmp/models/test-random" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sock="$tmp/pw.sock"
"$BIN" serve --socket "$sock" --port "$port" --models "$tmp/models" --default-model test-random >"$tmp/serve.log" 2>&1 &
pid=$!
port2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" serve --no-unix --port "$port2" --token s3cret --no-preload --models "$tmp/models" --default-model test-random >"$tmp/serve2.log" 2>&1 &
pid2=$!
for _ in $(seq 1 300); do
  if [ -S "$sock" ] && PYTHONPATH=Clients/python python3 -m pixwizard --socket "$sock" --timeout 5 health >/dev/null 2>&1; then break; fi
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/serve.log"; echo "the daemon exited" >&2; exit 1; }
  sleep 0.2
done
for _ in $(seq 1 300); do
  python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$port2" 2>/dev/null && break
  kill -0 "$pid2" 2>/dev/null || { cat "$tmp/serve2.log"; echo "the daemon with a token exited" >&2; exit 1; }
  sleep 0.2
done
image="$ROOT/Examples/noisy-rocket.png"
$VALGRIND Clients/c/build/test_daemon --unix "$sock" --tcp "127.0.0.1:$port" --image "$image" --steps 4 --token-tcp "127.0.0.1:$port2"
Clients/c/build/pixwizard-c-edit "$image" "remove the noise" "$tmp/c-out.png" --previews "$tmp/c-prev" --socket "$sock" --steps 4
python3 -c "import sys; from PIL import Image; im = Image.open(sys.argv[1]); n = len(sys.argv[2:]); print('pixwizard-c-edit:', im.size, n, 'previews'); assert n == 4" "$tmp/c-out.png" "$tmp"/c-prev/*.png
# The README examples, as written, from a directory holding Examples/.
mkdir -p "$tmp/readme/Examples" && cp "$image" "$tmp/readme/Examples/"
# Installed with its pkg-config file, and built exactly as the README says.
make -s -C Clients/c install PREFIX="$tmp/prefix" >/dev/null
(cd "$tmp/readme" && cp "$ROOT/Clients/c/examples/readme.c" . &&
  PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig" cc readme.c $(PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig" pkg-config --cflags --libs pixwizard-client) -o readme &&
  PIXWIZARD_SOCKET="$sock" LD_LIBRARY_PATH="$tmp/prefix/lib" $VALGRIND ./readme | tail -2 && rm out.png)
python3 - "$tmp/readme/readme.py" <<'PY'
import re, sys
s = open("README.md").read()
open(sys.argv[1], "w").write(re.search(r"<!-- readme-python-begin -->\n```python\n(.*?)```", s, re.S).group(1))
PY
# Installed with pip as the README says (into a venv that sees the pinned site packages), then run.
python3 -m venv --system-site-packages "$tmp/venv"
python3 -m pip wheel -q --no-deps --no-build-isolation -w "$tmp/wheel" ./Clients/python 2>&1 | grep -v -i "running pip as" || true
rm -rf Clients/python/build Clients/python/*.egg-info
"$tmp/venv/bin/python" -m pip install -q --no-deps "$tmp"/wheel/pixwizard-*.whl 2>&1 | grep -v -i "running pip as" || true
(cd "$tmp/readme" && PIXWIZARD_SOCKET="$sock" "$tmp/venv/bin/python" readme.py | tail -2 && test -s out.png)
"$tmp/venv/bin/python" -c 'import pixwizard, sys; sys.exit(0 if "/venv/" in pixwizard.__file__ else 1)'
PIXWIZARD_SOCKET="$sock" "$tmp/venv/bin/python" -m pixwizard edit "$image" "remove the noise" -o "$tmp/py-out.png" --previews "$tmp/py-prev" --steps 4
test -s "$tmp/py-out.png" && [ "$(ls "$tmp/py-prev" | wc -l)" = 4 ]
(cd Clients/python && PIXWIZARD_REQUIRE_DAEMON=1 PIXWIZARD_TEST_SOCKET="$sock" PIXWIZARD_TEST_TCP="127.0.0.1:$port" PIXWIZARD_TEST_TOKEN_TCP="127.0.0.1:$port2" \
  PIXWIZARD_TEST_IMAGE="$image" python3 -m pytest -q -p no:cacheprovider -s tests/test_daemon.py)
kill -TERM "$pid2"; wait "$pid2" || true; pid2=""
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=""
[ $rc = 0 ] || { echo "the daemon exited $rc on SIGTERM" >&2; exit 1; }
echo "-- clients: all passed"
