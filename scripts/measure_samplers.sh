#!/usr/bin/env bash
# Measure hypersweep's own samplers on the standard problems with `hypersweep benchmark`
# and write the raw table to docs/measured/samplers.txt, from which
# scripts/docs_tables.py builds the "which sampler when" table in docs/samplers.md.
# A small run (5 seeds, 20 and 50 trials) so it finishes in minutes on two cores;
# pass other options to override (e.g. --seeds 10 --budgets 50,100).
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/measured/samplers.txt
mkdir -p "$(dirname "$out")"
args=(--methods hypersweep:tpe,hypersweep:gp,hypersweep:cmaes,hypersweep:qmc,hypersweep:evolution,hypersweep:random
      --problems branin,hartmann6,levy10,conditional,mixed,svm_cancer
      --seeds 5 --budgets 20,50 --jobs 1 -q "$@")
{
    echo "date: $(date -u +%Y-%m-%d)"
    echo "hypersweep: $(.venv/bin/python -c 'import hypersweep; print(hypersweep.__version__)')" \
         "(commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)," \
         "$(git status --porcelain -- src 2>/dev/null | wc -l | tr -d ' ') files under src/ changed since)"
    echo "python: $(.venv/bin/python -c 'import platform; print(platform.python_version())')"
    echo "machine: $(uname -m), $(nproc) CPUs, $(uname -s) $(uname -r)"
    echo "command: hypersweep benchmark ${args[*]}"
    echo
    .venv/bin/hypersweep benchmark "${args[@]}"
} > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out"
