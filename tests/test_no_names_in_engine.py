"""The engine never asks a part its name (STYLE.md principle 13): no registry name appears as a
string literal in the training engine or the experiment bench."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import unskew
from unskew.registry import get_registry

ROOT = Path(unskew.__file__).parent
ENGINE = ("training", "bench")
#: literals that equal a registry name but name something else, with the reason
ALLOWED = {
    ("training/trainer.py", "cosine"): "lr_schedule='cosine', a learning-rate schedule",
}


def _literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


@pytest.mark.parametrize("package", ENGINE)
def test_no_registry_name_is_a_string_literal(package):
    names = set(get_registry().names())
    found = [
        f"{path.relative_to(ROOT)}:{line}: {value!r}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, value in _literals(path)
        if value in names and (str(path.relative_to(ROOT)), value) not in ALLOWED
    ]
    assert not found, "registry names in the engine:\n" + "\n".join(found)


def test_the_scan_finds_a_name(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        'def f(part):\n    """focal in a docstring is fine"""\n    return part == "focal"\n'
    )
    assert (3, "focal") in _literals(module)
    assert all(v != "focal in a docstring is fine" for _, v in _literals(module))
