"""Strategies of your own: importing plugin modules (``--plugin MODULE``) and carrying the
strategies registered in this process to parallel workers.

A plugin is a Python module (a name importable from the current folder or ``sys.path``, or a path
to a ``.py`` file) that calls :func:`unskew.register` when imported. Installed packages can instead
declare their strategies under the entry-point group ``unskew.strategies`` (read by
:func:`unskew.registry.get_registry`).

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "doc_plugin.py").write_text(
...     "import unskew\\n"
...     "unskew.register(name='doc_plugin_loss', stage='objective', summary='CE again',\\n"
...     "                reference='', factory='torch.nn:CrossEntropyLoss')\\n")
>>> load_plugins([str(folder / "doc_plugin.py")])
['doc_plugin']
>>> from unskew.registry import get_registry
>>> "doc_plugin_loss" in get_registry()
True
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from unskew.exceptions import InputError

__all__ = ["ensure_registered", "load_plugins", "loaded_plugins"]

_LOADED: list[str] = []
#: strategies registered by importing a plugin (workers import the plugin rather than unpickle them)
_FROM_PLUGINS: set[str] = set()


def load_plugins(names: Iterable[str]) -> list[str]:
    """Import each plugin (a module name, or a path to a ``.py`` file) once; returns the module
    names. The current folder is searched first, as ``python -m`` does."""
    from unskew.registry import get_registry

    out = []
    for name in names:
        name = str(name).strip()
        if not name:
            continue
        before = set(get_registry().names())
        module = _import(name)
        _FROM_PLUGINS.update(set(get_registry().names()) - before)
        if module not in _LOADED:
            _LOADED.append(module)
        out.append(module)
    return out


def _import(name: str) -> str:
    path = Path(name)
    if name.endswith(".py") or os.sep in name or "/" in name:
        if not path.is_file():
            raise InputError(f"--plugin {name}: no such Python file")
        module = path.stem
        if module in sys.modules:
            return module
        spec = importlib.util.spec_from_file_location(module, path)
        if spec is None or spec.loader is None:
            raise InputError(f"--plugin {name}: cannot import it as a Python module")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[module] = mod
        try:
            spec.loader.exec_module(mod)
        except Exception as err:
            del sys.modules[module]
            raise InputError(
                f"--plugin {name} failed to import: {type(err).__name__}: {err}"
            ) from err
        return module
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as err:
        if err.name == name.split(".")[0]:
            raise InputError(
                f"--plugin {name}: no module of that name (looked in {cwd} and sys.path); give "
                "a module name or a path to a .py file"
            ) from None
        raise InputError(f"--plugin {name} failed to import: {err}") from None
    except InputError:
        raise
    except Exception as err:
        raise InputError(f"--plugin {name} failed to import: {type(err).__name__}: {err}") from err
    return name


def loaded_plugins() -> tuple[str, ...]:
    """The plugin modules imported in this process, in order."""
    return tuple(_LOADED)


def _plugin_paths() -> dict[str, str]:
    return {
        m: str(Path(sys.modules[m].__file__).resolve())
        for m in _LOADED
        if m in sys.modules and getattr(sys.modules[m], "__file__", None)
    }


def worker_state() -> dict[str, Any]:
    """What a parallel worker needs to know the strategies this process knows: the plugin
    modules (with their files), which it imports, and the strategies registered here by user code
    outside plugins (shipped by value: joblib pickles them with cloudpickle)."""
    from unskew.registry import get_registry

    own = tuple(s for s in get_registry().user_strategies() if s.name not in _FROM_PLUGINS)
    return {"plugins": _plugin_paths(), "strategies": own}


def ensure_registered(state: dict[str, Any] | None) -> None:
    """In a worker: import the parent's plugins and register its user strategies (what is already
    registered is left alone)."""
    if not state:
        return
    from unskew.registry import get_registry

    for module, path in state.get("plugins", {}).items():
        if module not in sys.modules:
            load_plugins([path if Path(path).is_file() else module])
    registry = get_registry()
    strategies: Sequence[Any] = state.get("strategies", ())
    for strategy in strategies:
        if strategy.name not in registry:
            registry.register(strategy)
