#!/usr/bin/env bash
# Build the documentation site from docs/ with MkDocs (strict: any warning, broken link or
# unresolved API reference fails the build), into site/ or the directory given as $1.
#   bash scripts/docs.sh              build into site/
#   bash scripts/docs.sh OUT_DIR      build into OUT_DIR (the tests use a temporary one)
#   bash scripts/docs.sh --serve      serve on http://127.0.0.1:8000, rebuilding on change
# Needs the docs extra: bash scripts/install.sh docs (the test extra includes it).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdocs=.venv/bin/mkdocs
if [ ! -x "$mkdocs" ]; then
    echo "scripts/docs.sh: $mkdocs is missing; run: bash scripts/install.sh docs" >&2
    exit 1
fi
if [ "${1:-}" = "--serve" ]; then
    shift
    exec "$mkdocs" serve --strict --dev-addr 127.0.0.1:8000 "$@"
fi
exec "$mkdocs" build --strict --quiet --site-dir "${1:-site}"
