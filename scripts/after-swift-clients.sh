#!/usr/bin/env bash
# C and Python client suites (issue 4): generated-code staleness, the C library under valgrind (codec,
# hostile server, and the real daemon), the Python package (mypy --strict, pytest incl. the real daemon).
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_THREAD_TIMEOUT=${OPENBLAS_THREAD_TIMEOUT:-1} OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
echo "-- clients: Python protobuf modules up to date"
Clients/python/gen_pb2.sh --check
echo "-- clients: C library, example, header as C and C++, unit suites under valgrind"
make -s -C Clients/c all tests >/dev/null
make -s -C Clients/c test-unit
echo "-- clients: Python mypy --strict + pytest"
(cd Clients/python && mypy pixwizard tests && python3 -m pytest -q -p no:cacheprovider)
