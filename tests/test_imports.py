"""`import unskew` and `unskew --help` stay light; every module imports in a fresh interpreter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import unskew

HEAVY = ("torch", "matplotlib", "sklearn", "pandas", "scipy")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys; print('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_import_unskew_pulls_in_no_heavy_module():
    loaded = _modules_after("import unskew")
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_help_does_not_import_torch():
    code = (
        "import sys\nfrom unskew.cli import app\n"
        "try:\n    app(['--help'], prog_name='unskew')\nexcept SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
    )
    loaded = _modules_after(code)
    assert "torch" not in loaded
    assert "unskew.cli.main" in loaded  # the check really ran the CLI


def test_registry_import_is_torch_free():
    loaded = _modules_after("from unskew.registry import get_registry; get_registry().names()")
    assert "torch" not in loaded


def _all_modules() -> list[str]:
    return sorted(
        m.name
        for m in pkgutil.walk_packages(unskew.__path__, prefix="unskew.")
        if m.name != "unskew.__main__"
    )


def test_every_module_imports_and_import_unskew_alone_stays_light():
    """One fresh interpreter: ``import unskew`` pulls in no torch, then every module imports in
    turn (a circular import or a module that fails at import time fails here)."""
    modules = _all_modules()
    code = (
        "import sys, importlib\n"
        "import unskew\n"
        "assert 'torch' not in sys.modules, 'import unskew imported torch'\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(len(sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert len(modules) > 100


def test_lazy_public_names_resolve():
    for name in unskew.__all__:
        assert getattr(unskew, name) is not None
    with pytest.raises(AttributeError):
        unskew.no_such_name  # noqa: B018


# Layers only point down (STYLE.md principle 4): a module may import unskew modules of its own
# layer or below. Later issues add their packages to this table.
LAYERS = {
    "exceptions": 0,
    "_validation": 1,
    "_params": 1,  # typed recipe parameters (torch-free)
    "stages": 1,  # the stage interfaces' context and batch (torch-free)
    "_files": 1,  # what a model folder is, atomic writes: torch-free, for the CLI's path checks
    "_options": 1,  # range checks of run options (epochs, lr, cv...): torch-free, API and CLI
    "_layout": 1,  # breaking text to a width: the leaderboard and the CLI listings
    "data": 2,
    "registry": 2,
    "plugins": 2,
    "catalogue": 2,  # data only: factories are strings, imported lazily
    "recipes": 2,
    "weights": 3,
    "losses": 3,
    "sampling": 3,
    "resampling": 3,
    "metrics": 3,
    "decision": 4,
    "models": 4,
    "training": 5,
    "augment": 4,  # image/text/table augmentation; the text encoder lives in models (4)
    "active": 6,  # wrap trained models
    "ensemble": 6,
    "anomaly": 6,
    "hybrid": 6,
    "bench": 7,  # unskew compare: runs recipes through training, ensembles, detectors
    "datasets": 3,
    "cli": 9,
    "__init__": 0,
    "__main__": 9,
}


def _layer(module: str) -> int:
    top = module.split(".")[1] if module.count(".") else "__init__"
    assert top in LAYERS, f"{module} is missing from the LAYERS table of this test"
    return LAYERS[top]


def _imports(module: str) -> set[str]:
    import ast
    import importlib.util

    spec = importlib.util.find_spec(module)
    with open(spec.origin) as handle:
        tree = ast.parse(handle.read())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("unskew."):
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(a.name for a in node.names if a.name.startswith("unskew."))
    return imported


def test_import_graph_layers_point_down():
    """The static import graph of every module (function-level imports included): no module
    imports a higher layer."""
    upward = {}
    for module in _all_modules():
        own = _layer(module)
        bad = sorted(m for m in _imports(module) if _layer(m) > own)
        if bad:
            upward[module] = bad
    assert not upward, f"modules importing higher layers: {upward}"


def test_the_layer_check_catches_an_upward_import(tmp_path, monkeypatch):
    """The graph test really reads imports: a module of layer 1 importing training is found."""
    pkg = tmp_path / "fake"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "low.py").write_text("def f():\n    from unskew.training import Trainer\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _imports("fake.low") == {"unskew.training"}
    assert _layer("unskew.training") > _layer("unskew._validation")
