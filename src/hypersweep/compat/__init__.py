"""Drop-in replacements for other tuning libraries' interfaces, run on hypersweep.

``hypersweep.compat.hyperopt`` lets a hyperopt script run by changing its imports;
``import hypersweep.compat.optuna as optuna`` does the same for single-objective Optuna
scripts, with Optuna's meanings (``n_trials`` per call, TPE and the median pruner by
default). ``import hypersweep.compat.keras_tuner as kt`` runs KerasTuner scripts: its
``HyperParameters`` draw from a define-by-run trial and its tuners are studies stored in
``directory/project_name``. Their studies live in hypersweep storage.
Nothing here is imported by ``import hypersweep``: load a module when you need it.
"""
