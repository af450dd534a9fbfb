"""``unskew strategies`` and ``unskew datasets`` in a real subprocess: every name (what a user types
in a recipe or as DATA) whole on one line at 80 and 120 columns and in a pipe, no line wider than
the terminal, the long columns wrapped between words and ``key=value`` items, one line per entry
in a pipe; ``unskew strategies NAME`` in full, and its unknown-name error."""

from __future__ import annotations

import json
import re

import pytest

from unskew.cli._listings import example_recipe
from unskew.datasets import describe_builtins
from unskew.recipes import parse_recipe
from unskew.registry import get_registry

PIPE = {"COLUMNS": None}  # stdout is a pipe already; without $COLUMNS, as `unskew ... | grep` runs
WIDTHS = [pytest.param({"COLUMNS": "80"}, id="80"), pytest.param({"COLUMNS": "120"}, id="120")]


def _rows(stdout: str) -> list[list[list[str]]]:
    """The table's body rows, each a list of cells, each cell its lines (stripped); a row starts
    on a line whose first cell is not blank."""
    rows: list[list[list[str]]] = []
    for line in stdout.splitlines():
        if "│" not in line:
            continue  # header, rule, stage heading, caption
        cells = [c.strip() for c in line.split("│")]
        if cells[0]:
            rows.append([[c] if c else [] for c in cells])
        else:
            for lines, cell in zip(rows[-1], cells, strict=True):
                lines += [cell] if cell else []
    return rows


def _params(strategy) -> str:
    return ", ".join(f"{k}={p.describe()}" for k, p in strategy.params.items()) or "-"


def _wrapped(lines: list[str], text: str) -> None:
    """``lines`` show ``text`` whole: nothing lost, and each line starts where the text may break
    (after a space; after ``=`` when a ``key=value`` item is wider than the column)."""
    assert "".join("".join(lines).split()) == "".join(text.split()), (lines, text)
    for line in lines:
        assert text.startswith(line) or f" {line}" in text or f"={line}" in text, (line, text)


def _builtin(pattern: str | None = None, stage: str | None = None) -> list:
    """The registered strategies a fresh ``unskew`` process lists: not those other tests
    register in this process."""
    registry = get_registry()
    return [s for s in registry.list(pattern, stage=stage) if s not in registry.user_strategies()]


@pytest.fixture(scope="module")
def strategies():
    return {s.name: s for s in _builtin()}


@pytest.fixture(scope="module")
def datasets():
    return {r["name"]: r for r in describe_builtins(include_keel=True)}


@pytest.mark.parametrize("env", WIDTHS)
def test_strategies_keep_every_name_whole_within_the_width(cli, env, strategies):
    run = cli("strategies", env=env)
    assert run.returncode == 0, run.stderr
    width = int(env["COLUMNS"])
    assert max(len(line) for line in run.stdout.splitlines()) <= width
    assert "…" not in run.stdout
    rows = {row[0][0]: row for row in _rows(run.stdout)}
    assert list(rows) == list(strategies)  # each name whole, on one line, in stage order
    for name, row in rows.items():
        s = strategies[name]
        assert row[0] == [name]
        if width >= 100:  # name, stage, summary, parameters
            assert row[1] == [s.stage]
            _wrapped(row[2], s.summary)
            _wrapped(row[3], _params(s))
        else:  # the stage is a heading; the parameters under the summary
            assert f"\n{s.stage} stage" in f"\n{run.stdout}"
            _wrapped(row[1], f"{s.summary} {_params(s)}")
    assert "unskew strategies NAME" in run.stdout  # where the paper went


def test_strategies_in_a_pipe_are_one_line_each(cli, strategies):
    run = cli("strategies", env=PIPE)
    assert run.returncode == 0, run.stderr
    rows = _rows(run.stdout)
    assert [row[0] for row in rows] == [[name] for name in strategies]
    for row in rows:
        s = strategies[row[0][0]]
        assert row[1:] == [[s.stage], [s.summary], [_params(s)], [s.reference or "-"]]
    grep = [line for line in run.stdout.splitlines() if "balanced_random_forest " in line]
    assert len(grep) == 1 and "n=100" in grep[0] and "Chen, Liaw & Breiman" in grep[0]


@pytest.mark.parametrize("env", [*WIDTHS, pytest.param(PIPE, id="pipe")])
def test_datasets_keep_every_name_whole(cli, env, datasets):
    run = cli("datasets", env=env)
    assert run.returncode == 0, run.stderr
    width = int(env["COLUMNS"] or 80)
    assert max(len(line) for line in run.stdout.splitlines()) <= max(width, 94)
    if env["COLUMNS"]:
        assert max(len(line) for line in run.stdout.splitlines()) <= width
    assert "…" not in run.stdout
    rows = _rows(run.stdout)
    assert [row[0] for row in rows] == [[name] for name in datasets]  # one line each, whole
    assert all(len(cell) == 1 for row in rows for cell in row)
    header = next(line for line in run.stdout.splitlines() if "┃" in line)
    ratio = [h.strip() for h in header.split("┃")].index("ratio")
    assert [row[ratio][0] for row in rows] == [f"{r['ratio']:.2f}" for r in datasets.values()]
    if width == 80 and env["COLUMNS"]:
        assert "test, features left out at this width; --json has every field" in run.stdout
    else:
        assert "features" in header and "left out" not in run.stdout


def test_one_strategy_in_full(cli):
    run = cli("strategies", "focal", env={"COLUMNS": "80"})
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0] == "focal: objective stage, one per recipe"
    assert "paper: Lin et al., Focal Loss for Dense Object Detection, ICCV 2017" in lines
    assert lines[4].split() == ["parameter", "default", "values"]
    params = {line.split()[0]: line.strip().split(maxsplit=2)[1:] for line in lines[5:7]}
    assert params == {"gamma": ["2", "a number >= 0"], "alpha": ["none", "a value, or none"]}
    assert "data: table, image, text; any number of classes" in lines
    assert lines[-1] == "example: unskew train DATA --recipe focal:gamma=2"
    as_json = json.loads(cli("strategies", "focal", "--json").stdout)
    assert as_json["name"] == "focal" and as_json["params"] == {"gamma": 2.0, "alpha": None}


def test_a_long_example_stays_one_line_to_copy(cli):
    run = cli("strategies", "stack_recipes", env={"COLUMNS": "60"})
    assert run.returncode == 0, run.stderr
    example = "example: unskew train DATA --recipe 'stack_recipes:recipes=[focal:gamma=2;ldam+drw]'"
    assert run.stdout.splitlines()[-1] == example
    assert "[focal:gamma=2;ldam+drw]" in run.stdout.replace(" ", "")  # not read as rich markup


def test_an_unknown_strategy_is_one_line_with_the_closest_name(cli):
    run = cli("strategies", "focl")
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.splitlines() == [
        "error: unknown strategy 'focl'; did you mean 'focal'? `unskew strategies` lists them all"
    ]
    far = cli("strategies", "zzzzz")
    assert far.returncode == 2
    assert far.stderr.splitlines() == [
        "error: unknown strategy 'zzzzz'; `unskew strategies` lists them all"
    ]


def test_a_pattern_lists_the_strategies_it_matches(cli):
    run = cli("strategies", "*smote*", "--stage", "data", env=PIPE)
    assert run.returncode == 0, run.stderr
    names = [row[0][0] for row in _rows(run.stdout)]
    assert names == [s.name for s in _builtin("*smote*", stage="data")]
    assert "smote" in names and "smote_batch" not in names  # smote_batch is a batch part
    none = cli("strategies", "zz*")
    assert none.returncode == 2
    assert none.stderr.splitlines() == [
        "error: no strategy matches 'zz*'; `unskew strategies` lists them all"
    ]


@pytest.mark.parametrize("name", [s.name for s in _builtin()])
def test_every_example_recipe_parses(name):
    strategy = get_registry().get(name)
    recipe = parse_recipe(example_recipe(strategy))
    assert [p.name for p in recipe.parts] == [name]
    assert re.fullmatch(rf"{name}(:\w+=\S+)*", example_recipe(strategy))
