"""Studies that outlive one experiment: copy and merge them between storages,
write them to a portable archive and back, and import Optuna studies."""

from .archive import export_archive, import_archive
from .copy import copy_study, merge_studies
from .optuna import import_optuna

__all__ = ["copy_study", "export_archive", "import_archive", "import_optuna", "merge_studies"]
