"""unskew: train deep models on class-imbalanced data, and find out which remedy works on yours.

Importing ``unskew`` is cheap: every name below is imported on first use, so ``import unskew`` pulls in
neither torch nor pandas nor matplotlib.

>>> import unskew
>>> unskew.seed_example().class_counts.tolist()
[900, 100]
>>> from unskew import ImbalancedClassifier, Trainer, compare, load_model, parse_recipe, register
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it (imported lazily by __getattr__)
_LAZY: dict[str, str] = {
    "DataBundle": "unskew.data",
    "get_labels": "unskew.data",
    "load_image_folder": "unskew.data",
    "load_table": "unskew.data",
    "load_text_table": "unskew.data",
    "profile": "unskew.data",
    "seed_example": "unskew.datasets",
    "keel": "unskew.datasets",
    "mnist_lt": "unskew.datasets",
    "digits_lt": "unskew.datasets",
    "get_registry": "unskew.registry",
    "register": "unskew.registry",
    "Strategy": "unskew.registry",
    "Param": "unskew.registry",
    "Expr": "unskew.registry",
    "parse_recipe": "unskew.recipes",
    "InputError": "unskew.exceptions",
    "ImbalancedClassifier": "unskew.training",
    "Trainer": "unskew.training",
    "load_model": "unskew.training",
    "compare": "unskew.bench",
    "load_plugins": "unskew.plugins",
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'unskew' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
