#!/usr/bin/env bash
# Create the isolated environments of the benchmark peers that cannot be installed next
# to hypersweep's pins: HEBO (numpy < 1.25, an old scipy) and SMAC3. Each gets its own
# venv under $HYPERSWEEP_PEER_ENVS (default: .peers in the checkout, ignored by git);
# the harness (hypersweep/harness/isolated.py) finds them there and runs each through
# a stand-alone driver, so nothing of hypersweep is installed into them.
#
#   bash scripts/peer_envs.sh             # both
#   bash scripts/peer_envs.sh smac        # only SMAC3 (methods: smac:hpo)
#   bash scripts/peer_envs.sh hebo        # only HEBO (method: hebo:hebo)
#
# $PYTHON picks the interpreter (default python3; HEBO's pins need a Python that numpy
# 1.24 has wheels for, i.e. 3.8-3.11). An existing venv that imports its library is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
ROOT=${HYPERSWEEP_PEER_ENVS:-.peers}
mkdir -p "$ROOT"

make_env() {  # name, import to check, pip requirements...
    local name=$1 module=$2
    shift 2
    local env="$ROOT/$name"
    if [ -x "$env/bin/python" ] && "$env/bin/python" -c "import $module" 2>/dev/null; then
        echo "$env: $module already importable"
        return
    fi
    "$PYTHON" -m venv "$env"
    "$env/bin/python" -m pip install --quiet --upgrade pip
    "$env/bin/python" -m pip install --quiet "$@"
    "$env/bin/python" -c "import $module" && echo "$env: $module ready"
}

for name in "${@:-smac hebo}"; do
    for one in $name; do
        case $one in
            smac) make_env smac smac smac ;;
            # Plain `pip install hebo` backtracks for many minutes and pulls a CUDA build
            # of torch; these pins install (pymoo 0.6.0 has no wheel for 3.11 and builds).
            hebo) make_env hebo hebo torch==2.13.0 numpy==1.24.4 scipy==1.11.4 pandas==2.0.3 \
                      scikit-learn==1.3.2 gpytorch==1.11 GPy==1.13.2 catboost disjoint-set \
                      pymoo==0.6.0 "hebo==0.3.6" ;;
            *) echo "unknown peer '$one': choose smac or hebo" >&2; exit 2 ;;
        esac
    done
done
