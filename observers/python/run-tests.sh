#!/usr/bin/env bash
# The Python package's tests (pytest) against the server jar Maven just built; Maven runs this in the
# integration-test phase of this module (after the server module). The Python is $MIDA_TEST_PYTHON
# (bash .ci/run makes one with the pinned test dependencies); without it the tests are skipped
# locally and fail under CI=true. The package is tested from src/ (PYTHONPATH), not from an install.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="${MIDA_TEST_PYTHON:-}"
if [ -z "$py" ] || ! "$py" -c 'import pytest, redis, httpx' >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "python tests: MIDA_TEST_PYTHON must name a Python with pytest, redis and httpx under CI" >&2
    exit 1
  fi
  echo "python tests SKIPPED: set MIDA_TEST_PYTHON to a Python with pytest, redis and httpx (bash .ci/run makes one)"
  exit 0
fi
cd "$here"
# lint and format, like Spotless on the Java side (ruff from the same Python, when installed)
if "$py" -m ruff --version >/dev/null 2>&1; then
  "$py" -m ruff check src tests
  "$py" -m ruff format --check src tests
elif [ "${CI:-}" = "true" ]; then
  echo "python tests: ruff is missing from $py (bash .ci/run installs it)" >&2
  exit 1
fi
PYTHONPATH="$here/src${PYTHONPATH:+:$PYTHONPATH}" exec "$py" -m pytest -q tests "$@"
