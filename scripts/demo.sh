#!/usr/bin/env bash
# Install hypersweep (with scikit-learn for the example) into .venv and run a real
# tuning study on SQLite: a search over model families (k-NN, SVM, tree, forest) with preprocessing on Iris.
# Running it again resumes the same study from hypersweep.db.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh examples
.venv/bin/python examples/iris_families.py "$@"
