"""Drop-in replacements for other tuning libraries' interfaces, run on hypersweep.

``hypersweep.compat.hyperopt`` lets a hyperopt script run by changing its imports;
``import hypersweep.compat.optuna as optuna`` does the same for single-objective Optuna
scripts, with Optuna's meanings (``n_trials`` per call, TPE and the median pruner by
default). Their studies live in hypersweep storage.
Nothing here is imported by ``import hypersweep``: load a module when you need it.
"""
