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
export PYTHONPATH="$here/src${PYTHONPATH:+:$PYTHONPATH}"
"$py" -m pytest -q tests "$@"
# The Dask plugin again under the oldest Dask line it supports (before 2024.12 a task is a
# (function, args, kwargs) tuple): the Flowcept venv of .ci/run pins dask 2024.10 for Flowcept's plugin.
old="${MIDA_TEST_OLD_DASK_PYTHON:-}"
if [ -n "$old" ]; then
  echo "python tests: the Dask plugin under $("$old" -c 'import dask; print("dask", dask.__version__)')"
  "$old" -m pytest -q tests/test_dask.py -p no:cacheprovider "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "python tests: MIDA_TEST_OLD_DASK_PYTHON is unset under CI (bash .ci/run sets it)" >&2
  exit 1
fi
