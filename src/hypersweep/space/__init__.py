"""What can be searched: parameter kinds, nested spaces, and hyperopt's spellings.

``kinds`` holds the leaves (Float, Int, Categorical, ...), ``tree`` compiles
nested dicts and lists of them into a :class:`Space`, ``stored`` writes a space
as the JSON kept with a study and reads it back (with ``values``, the typed JSON
that gives tuples, numpy scalars and int-keyed dicts back exactly), ``hp`` maps
hyperopt's names onto the same objects. Nothing here knows of studies or storage.
"""

from __future__ import annotations

from . import hp
from .changes import changes
from .kinds import (
    Categorical,
    Float,
    Int,
    LogNormal,
    Normal,
    Param,
    Repeat,
    json_key,
    param_from_json,
)
from .tree import TAG, Space, branch_label, copy_definition, definition_from_json

__all__ = [
    "TAG",
    "Categorical",
    "Float",
    "Int",
    "LogNormal",
    "Normal",
    "Param",
    "Repeat",
    "Space",
    "branch_label",
    "changes",
    "copy_definition",
    "definition_from_json",
    "hp",
    "json_key",
    "param_from_json",
]
