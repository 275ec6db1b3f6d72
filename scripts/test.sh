#!/usr/bin/env bash
# Install hypersweep with its test extras into .venv, start what the tests need
# (PostgreSQL), then run ruff, mypy and the whole test suite. CI runs exactly this.
# The suite includes the documentation: tests/docs builds the site strictly with
# scripts/docs.sh and runs every Python block of docs/*.md and README.md.
# Under CI (CI=true) nothing may be missing: no PostgreSQL server fails the run here,
# and tests/conftest.py turns a skip for a missing test dependency or server into
# a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

ci=false
case "${CI:-}" in "" | 0 | false | no) ;; *) ci=true ;; esac

bash scripts/install.sh test

# The storage tests talk to a real PostgreSQL server; start (under CI: install) it.
if bash scripts/ensure_postgres.sh; then
    export HYPERSWEEP_REQUIRE_POSTGRES=1
elif [ "$ci" = true ]; then
    echo "scripts/test.sh: CI needs a PostgreSQL server on 127.0.0.1:5432 and none could" \
        "be installed or started (see the lines above)" >&2
    exit 1
else
    echo "scripts/test.sh: no PostgreSQL server available; its tests will be skipped" >&2
fi

bash scripts/ensure_chromium.sh || echo "scripts/test.sh: no chromium; browser tests fail" >&2
export HYPERSWEEP_REQUIRE_BROWSER=1  # tests/test_browser.py drives /usr/bin/chromium

echo "== ruff" && .venv/bin/ruff check src tests benchmarks examples
echo "== mypy" && .venv/bin/mypy src/hypersweep
echo "== pytest" && .venv/bin/python -m pytest -q --doctest-modules src/hypersweep tests "$@"
