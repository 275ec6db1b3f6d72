"""Where models meet the tuner: seeds, learning-rate schedules, fidelity, presets, evaluation.

Import the module you need (``hypersweep.training.schedules``, ...); this
package imports nothing itself, so the study layer can use ``seeding`` without
pulling in the modules that sit above it (``evaluate`` runs studies).
"""
