"""The examples and notes printed under each command's ``--help``: kept apart from
the parser so the options read without scrolling past prose."""

from __future__ import annotations

MAIN = """\
examples:
  hypersweep run examples/iris_families.yaml      run (or resume) the study a config describes
  hypersweep studies                              list the studies in ./hypersweep.db
  hypersweep show iris-families --limit 20        the last 20 trials and the best one
  hypersweep best iris-families                   the best trial as JSON
  hypersweep export iris-families -o trials.csv   every trial, as CSV or JSON
  hypersweep delete iris-families --yes           remove a study and its trials
  hypersweep report iris-families -o report.html  one HTML file: plots and every trial
  hypersweep dashboard                            a live web page on http://127.0.0.1:8080/
  hypersweep benchmark --seeds 3 --budgets 50     compare the samplers on test problems

Every command takes --storage URL: sqlite:///path.db or postgresql://user@host/db.
"""

RUN = """\
a config (YAML, read with a safe loader):
  objective: iris_families:objective   # module:function; the config's folder is on sys.path
  direction: maximize                  # default: minimize
  sampler: random                      # or grid (with grid_points: 5, grid_rounds: 1)
  seed: 0
  n_trials: 60                         # the study's total: a rerun only runs what is missing
  study: iris-families                 # default: the config file's name
  space:
    preprocess: !choice [none, standardise, normalise]
    model: !choice
      - {kind: knn, n_neighbors: !int {low: 1, high: 30}}
      - {kind: svm, C: !float {low: 1.0e-3, high: 1.0e3, log: true}}
  (tags: !float !int {low, high, log, step}, !choice [...], !normal !lognormal {mu, sigma},
   !repeat {of, min, max})

examples:
  hypersweep run examples/iris_families.yaml
  hypersweep run tune.yaml --n-trials 200 --storage sqlite:///runs.db
  hypersweep run tune.yaml --seed 1 --quiet > best.json

The best value and parameters are printed as JSON on stdout at the end;
progress goes to stderr.
"""

WORKER = """\
examples:
  hypersweep run tune.yaml --storage postgresql://me@db/hpo     # on the first machine
  hypersweep worker tune --storage postgresql://me@db/hpo       # on every other machine
  hypersweep worker tune --jobs 4                               # 4 processes, this machine
  hypersweep worker mlp --objective train:objective --n-trials 200

A worker that dies is noticed by the others (heartbeats); its trial is run again.
"""

STUDIES = """\
examples:
  hypersweep studies
  hypersweep studies --storage sqlite:///runs.db
"""

SHOW = """\
examples:
  hypersweep show iris-families                   the last 50 trials, in order
  hypersweep show iris-families --limit 10        the last 10 trials
  hypersweep show iris-families --all             every trial
  hypersweep show iris-families --sort value --limit 5
                                                  the 5 best trials

Parameter columns use the leaf paths of the space ("model.svm.C"); a blank cell
is a parameter the trial did not use (another branch of a choice). Trials that
ran the same configuration (floats equal to 12 significant digits, the rule the
samplers use) are listed together below the table, with their mean and spread.
"""

BEST = """\
examples:
  hypersweep best iris-families
  hypersweep best iris-families | python -c "import json,sys; print(json.load(sys.stdin)['params'])"

Prints {"number": ..., "value": ..., "params": {...}} with the params nested like the space.
"""

EXPORT = """\
examples:
  hypersweep export iris-families                 CSV on stdout
  hypersweep export iris-families -o trials.csv
  hypersweep export iris-families --format json -o trials.json
  hypersweep export iris-families --format archive -o study.json

One row per trial: number, state, value, started, finished, duration,
params_<path>..., user_attrs_<key>..., error. The format follows -o's
suffix when --format is not given (.json means JSON, anything else CSV).
--format archive writes the whole study (space, attributes, every field of
every trial) for 'hypersweep import archive' on another machine.
"""

COPY = """\
examples:
  hypersweep copy mnist --from sqlite:///laptop.db --to postgresql://lab@db/studies
  hypersweep copy mnist --to sqlite:///backup.db --new-name mnist-2026-12

Every trial keeps its number, state, values, intermediate reports, attributes,
seed and times. Trials still running in the source arrive with an expired
heartbeat, so resuming the copy retries them. The source is only read.
"""

IMPORT = """\
examples:
  hypersweep import optuna --from sqlite:///optuna.db --study NAME
  hypersweep import optuna --from sqlite:///optuna.db --study NAME --to sqlite:///hs.db
  hypersweep import archive mnist.json --new-name mnist-restored

An Optuna study keeps its trials' numbers, states, parameters with their
distributions, values, intermediate values, user attributes and times; the
Optuna database is not written to. Resume the imported study with any sampler.
"""

DELETE = """\
examples:
  hypersweep delete old-study                     asks for confirmation
  hypersweep delete old-study --yes               no question (for scripts)
"""


REPORT = """\
examples:
  hypersweep report iris-families                 writes iris-families.html here
  hypersweep report iris-families -o report.html --storage sqlite:///runs.db

One HTML file with plotly.js inside: it opens offline in any browser and can be
mailed or archived. It holds a summary, the best trial, every plot that applies
to the study and a table of all trials (click a header to sort).
"""

DASHBOARD = """\
examples:
  hypersweep dashboard                            the studies in ./hypersweep.db on port 8080
  hypersweep dashboard --storage postgresql://me@db/hpo --port 8765 --open
  ssh -L 8080:127.0.0.1:8080 me@server            then open http://127.0.0.1:8080/ here

The page follows every study as trials finish (it polls every 2 s). It is
read-only and listens on 127.0.0.1 only; --host 0.0.0.0 would show the studies to
the whole network, without a password. Stop it with Ctrl-C.
"""


BENCHMARK = """\
examples:
  hypersweep benchmark                            everything installed: 10 seeds, 50 and 100 trials
  hypersweep benchmark --problems branin,hartmann6 --methods hypersweep:tpe,optuna:tpe
  hypersweep benchmark --seeds 3 --budgets 20,50 --jobs 2 --json results.json
  hypersweep benchmark --overhead-only            ask + tell time per trial at 1,000 trials
  hypersweep benchmark --list                     the problems and methods, and what is missing

Cells are the median over seeds of log10(best value so far - known optimum); the
ML problem, whose optimum is unknown, shows its median raw CV error. The best
cell of each row is marked *, and the last row is each method's mean rank over
the problems. Methods of optuna and hyperopt run when those are installed
(pip install 'hypersweep[benchmark]'); --methods names them as library:sampler.
The full default run takes tens of minutes on a laptop (the GP samplers cost
10-60 s per run of 100 trials); try --seeds 3 or a few --methods first.
"""
