"""Drop-in replacements for other tuning libraries' interfaces, run on hypersweep.

``hypersweep.compat.hyperopt`` lets a hyperopt script run by changing its imports.
Nothing here is imported by ``import hypersweep``: load a module when you need it.
"""
