"""Old import paths keep working after modules moved into packages.

``import hypersweep.schedules`` (and ``from hypersweep.fidelity import ...``)
resolve to the module's new home, the very same module object, imported only
when asked for, so ``import hypersweep`` stays light.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

# old path -> new path (a package maps its submodules too)
MOVED = {
    "hypersweep.api": "hypersweep.study.oneshot",
    "hypersweep.benchmarks": "hypersweep.harness",
    "hypersweep.config": "hypersweep.cli.config",
    "hypersweep.evaluate": "hypersweep.training.evaluate",
    "hypersweep.fidelity": "hypersweep.training.fidelity",
    "hypersweep.handle": "hypersweep.study.handle",
    "hypersweep.heartbeat": "hypersweep.study.liveness",
    "hypersweep.hp": "hypersweep.space.hp",
    "hypersweep.params": "hypersweep.space.kinds",
    "hypersweep.presets": "hypersweep.training.presets",
    "hypersweep.progress": "hypersweep.study.progress",
    "hypersweep.repeats": "hypersweep.study.repeats",
    "hypersweep.schedules": "hypersweep.training.schedules",
    "hypersweep.seeding": "hypersweep.training.seeding",
    "hypersweep.stability": "hypersweep.study.stability",
    "hypersweep.studies": "hypersweep.study.factory",
    "hypersweep.workers": "hypersweep.study.processes",
}


def new_home(name: str) -> str | None:
    """Where the module once called ``name`` lives now (None: it did not move)."""
    for old, new in MOVED.items():
        if name == old or name.startswith(old + "."):
            return new + name[len(old) :]
    return None


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        home = new_home(fullname)
        if home is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, loader_state=home)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(str(spec.loader_state))
        spec.loader_state = module.__spec__  # restored below: the import system overwrites it
        return module

    def exec_module(self, module: ModuleType) -> None:
        own = module.__spec__.loader_state if module.__spec__ else None
        if isinstance(own, importlib.machinery.ModuleSpec):
            module.__spec__ = own  # the module keeps its real name and location


def install() -> None:
    if not any(isinstance(f, _Alias) for f in sys.meta_path):
        sys.meta_path.insert(0, _Alias())
