"""The ``unskew strategies`` and ``unskew datasets`` listings: the columns chosen by the width, and
the names (what a user types in a recipe or as DATA) always whole on one line.

A listing is a rich renderable that lays itself out for the width rich gives it, like the
leaderboard (:mod:`unskew.bench._board`): at its natural width every row is one line (what a
file or a pipe gets, see :func:`~unskew.cli._render.fitted_console`); narrower, the long columns
wrap at the places that keep their meaning (parameters between ``key=value`` items, summaries
between words) and the least needed columns go, said in a caption.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from unskew._layout import break_lines, table_width

__all__ = [
    "DatasetTable",
    "StrategyTable",
    "example_recipe",
    "show_strategy",
    "strategy_detail",
]

#: Where a summary or a paper may break: between words, then after a ``/`` or ``-``.
_WORDS = (r"(?<= )", r"(?<=[/-])")
#: Where a parameter list may break: between ``key=value`` items (not at a comma inside a
#: value such as ``max(1, batch_size // n_classes)``), then after ``=``, then between words.
_ITEMS = (r"(?<=, )(?=[A-Za-z_]\w*=)", r"(?<==)", r"(?<= )")
#: The layouts with a stage column, widest first: the wrapped columns and the width each needs
#: (or all it needs, when less); below them, one column holds summary and parameters.
_LAYOUTS = ((("summary", "parameters", "paper"), 30), (("summary", "parameters"), 20))


def _share(room: int, naturals: Sequence[int]) -> list[int]:
    """Split ``room`` columns between columns that need ``naturals``: the narrow ones get what
    they need, the rest share what is left equally."""
    widths = [0] * len(naturals)
    left = room
    order = sorted(range(len(naturals)), key=naturals.__getitem__)
    for k, i in enumerate(order):
        widths[i] = max(1, min(naturals[i], left // (len(order) - k)))
        left -= widths[i]
    return widths


def _cell(text: str, width: int, breaks: Sequence[str], style: str = "") -> Any:
    lines = (line.rstrip(" ") for line in break_lines(text, width, breaks))
    return Text("\n".join(lines), style=style)


def _params_text(strategy: Any) -> str:
    return ", ".join(f"{k}={p.describe()}" for k, p in strategy.params.items()) or "-"


class StrategyTable:
    """Registry entries as a table that fits the width it is rendered at.

    Columns: name, stage, summary, parameters (with their defaults) and paper. At the natural
    width each strategy is one line. Narrower, the summary and parameters wrap (between words,
    between ``key=value`` items) and the paper goes (``unskew strategies NAME`` shows it); below
    about 90 columns the stage becomes a heading above its strategies and the parameters go
    under the summary (50 columns is the narrowest layout). A name is never broken.

    Parameters
    ----------
    strategies : list of Strategy
        The entries, in stage order.

    Examples
    --------
    >>> import io
    >>> from rich.console import Console
    >>> from unskew.registry import get_registry
    >>> console = Console(width=50, file=io.StringIO(), record=True)
    >>> console.print(StrategyTable([get_registry().get("focal")]))
    >>> print("\\n".join(line.rstrip() for line in console.export_text().splitlines()))
    objective stage
     name  ┃ summary, parameters
    ━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
     focal │ Focal loss: down-weights easy examples
           │ by (1 - p)^gamma; alpha weights classes
           │ gamma=2, alpha=none
      unskew strategies NAME: one in full, with its
                          paper
    """

    def __init__(self, strategies: Sequence[Any]) -> None:
        self.strategies = list(strategies)
        self.texts = {
            "summary": [s.summary for s in self.strategies],
            "parameters": [_params_text(s) for s in self.strategies],
            "paper": [s.reference or "-" for s in self.strategies],
        }

    def _width(self, header: str, texts: Sequence[str]) -> int:
        return max([len(header), *(len(t) for t in texts)])

    def _fixed(self, stage_column: bool) -> list[int]:
        """Widths of the columns that never wrap: the name, and the stage when it has one."""
        name = self._width("name", [s.name for s in self.strategies])
        stage = self._width("stage", [s.stage for s in self.strategies])
        return [name, stage] if stage_column else [name]

    def _layout(self, width: int) -> tuple[bool, dict[str, int]]:
        """Whether the stage has a column, and the wrapped columns with their widths: all three
        when each gets 30 characters (or all it needs); else summary and parameters, 20 each;
        else one column holding both, the stage a heading."""
        naturals = {h: self._width(h, t) for h, t in self.texts.items()}
        for headers, least in _LAYOUTS:
            room = width - table_width([*self._fixed(True), *([0] * len(headers))])
            if room >= sum(min(naturals[h], least) for h in headers):
                return True, dict(
                    zip(headers, _share(room, [naturals[h] for h in headers]), strict=True)
                )
        room = width - table_width([*self._fixed(False), 0])
        return False, {"summary, parameters": max(room, 16)}

    def natural_width(self) -> int:
        """The width that shows each strategy on one line."""
        naturals = [self._width(h, t) for h, t in self.texts.items()]
        return table_width([*self._fixed(True), *naturals])

    def table(self, width: int) -> Any:
        """The rich Table laid out for ``width`` columns; with the stage as a heading, a Group of
        one table per stage."""
        stage_column, columns = self._layout(width)
        if stage_column:
            tables = [self._table(range(len(self.strategies)), True, columns)]
        else:
            stages = dict.fromkeys(s.stage for s in self.strategies)
            tables = [
                self._table(
                    [i for i, s in enumerate(self.strategies) if s.stage == stage],
                    False,
                    columns,
                    title=f"{stage} stage",
                    header=k == 0,
                )
                for k, stage in enumerate(stages)
            ]
        if "paper" not in columns:
            tables[-1].caption = "unskew strategies NAME: one in full, with its paper"
        return tables[0] if len(tables) == 1 else Group(*tables)

    def _cells(self, i: int, columns: dict[str, int]) -> list[Any]:
        cells = []
        for header, width in columns.items():
            if header in self.texts:
                breaks = _ITEMS if header == "parameters" else _WORDS
                cells.append(_cell(self.texts[header][i], width, breaks))
            else:  # the summary with the parameters under it
                cell = _cell(self.texts["summary"][i], width, _WORDS)
                cell.append("\n").append_text(
                    _cell(self.texts["parameters"][i], width, _ITEMS, style="dim")
                )
                cells.append(cell)
        return cells

    def _table(
        self,
        indices: Sequence[int],
        stage_column: bool,
        columns: dict[str, int],
        title: str | None = None,
        header: bool = True,
    ) -> Any:
        table = Table(
            header_style="bold",
            show_edge=False,
            show_header=header,
            title=title,
            title_justify="left",
            title_style="bold cyan",
        )
        fixed = self._fixed(stage_column)
        table.add_column("name", no_wrap=True, width=fixed[0])
        if stage_column:
            table.add_column("stage", no_wrap=True, width=fixed[1])
        for name, width in columns.items():
            table.add_column(name, no_wrap=True, width=width)
        for i in indices:
            s = self.strategies[i]
            stage = [s.stage] if stage_column else []
            table.add_row(Text(s.name), *map(Text, stage), *self._cells(i, columns))
        return table

    def __rich_console__(self, console: Any, options: Any) -> Any:
        yield self.table(options.max_width)


def example_recipe(strategy: Any) -> str:
    """A recipe that uses ``strategy``: its name, every required parameter (a sample of its kind)
    and, when it has a plain default, its first parameter.

    Examples
    --------
    >>> from unskew.registry import get_registry
    >>> example_recipe(get_registry().get("focal"))
    'focal:gamma=2'
    >>> example_recipe(get_registry().get("stack_recipes"))
    'stack_recipes:recipes=[focal:gamma=2;ldam+drw]'
    """
    from unskew._params import REQUIRED

    items = [
        f"{k}={p.example()}"
        for k, p in strategy.params.items()
        if p.default is REQUIRED and p.example() is not None
    ]
    if not items and strategy.params:
        key, first = next(iter(strategy.params.items()))
        if first.example() is not None:
            items = [f"{key}={first.example()}"]
    return strategy.name + (":" + ",".join(items) if items else "")


def _fact(label: str, text: str) -> Any:
    return Text.assemble((f"{label}: ", "dim"), text)


def strategy_detail(strategy: Any) -> Any:
    """One strategy in full: stage, summary, paper, every parameter with its default and the
    values it takes, and the data it applies to (``unskew strategies NAME``; :func:`show_strategy`
    adds an example).

    Examples
    --------
    >>> import io
    >>> from rich.console import Console
    >>> from unskew.registry import get_registry
    >>> console = Console(width=80, file=io.StringIO(), record=True)
    >>> console.print(strategy_detail(get_registry().get("cross_entropy")))
    >>> print("\\n".join(line.rstrip() for line in console.export_text().splitlines()))
    cross_entropy: objective stage, one per recipe
    Softmax cross-entropy, optionally class-weighted (add weights:SCHEME)
    paper: -
    <BLANKLINE>
     parameter        default  values
     label_smoothing  0        a number in [0, 1)
    <BLANKLINE>
    data: table, image, text; any number of classes
    """
    s = strategy
    role = "one per recipe" if s.exclusive else "a modifier, combined with the stage's other parts"
    parts: list[Any] = [
        Text.assemble((s.name, "bold"), f": {s.stage} stage, {role}"),
        Text(s.summary),
        _fact("paper", s.reference or "-"),
        Text(),
    ]
    if s.params:
        table = Table(header_style="bold", show_edge=False, box=None)
        table.add_column("parameter", no_wrap=True)
        for header in ("default", "values"):
            table.add_column(header, overflow="fold")
        for key, p in s.params.items():
            table.add_row(Text(key), Text(p.describe()), Text(p.allowed()))  # no markup
        parts += [table, Text()]
    else:
        parts += [Text("no parameters", style="dim"), Text()]
    classes = {"any": "any number of classes", "binary": "two classes"}.get(
        s.classes, "three or more classes"
    )
    parts.append(_fact("data", f"{', '.join(s.modalities)}; {classes}"))
    if s.needs:
        parts.append(_fact("taken from the training data", ", ".join(s.needs)))
    if s.not_compared:
        parts.append(_fact("left out of compare --strategies all", s.not_compared))
    return Group(*parts)


def show_strategy(console: Any, strategy: Any) -> None:
    """Print :func:`strategy_detail` and an example ``unskew train`` command on ``console``; the
    command is printed with soft wrapping, so a narrow terminal folds it on screen but copying
    it gives one line (as ``unskew compare`` prints its train command)."""
    console.print(strategy_detail(strategy))
    command = f"unskew train DATA --recipe {shlex.quote(example_recipe(strategy))}"
    console.print(Text.assemble(("example: ", "dim"), (command, "bold")), soft_wrap=True)


#: The dataset columns: header, row key, whether right-justified; then the order the columns
#: go in when the width is short (the name always stays: below about 65 columns, the counts go
#: too).
_DATASET_COLUMNS = (
    ("name", "name", False),
    ("modality", "modality", False),
    ("rows", "rows", True),
    ("test", "test_rows", True),
    ("features", "features", True),
    ("classes", "classes", True),
    ("ratio", "ratio", True),
)
_DROP_ORDER = ("test", "features", "modality", "classes", "rows", "ratio")


def _dataset_value(key: str, row: dict[str, Any]) -> str:
    value = row[key]
    if value is None:
        return "-"
    if key == "ratio":
        return f"{value:.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


class DatasetTable:
    """Built-in datasets as a table that fits the width it is rendered at: every name whole on
    one line; when the width is short the test rows, then the features, then the modality go
    (said in a caption; ``--json`` has every field).

    Parameters
    ----------
    rows : list of dict
        :func:`unskew.datasets.describe_builtins` rows.

    Examples
    --------
    >>> import io
    >>> from rich.console import Console
    >>> rows = [{"name": "keel:ecoli-0-1-4-7_vs_2-3-5-6", "modality": "table", "rows": 336,
    ...          "test_rows": None, "features": 7, "classes": 2, "ratio": 10.59}]
    >>> console = Console(width=60, file=io.StringIO(), record=True)
    >>> console.print(DatasetTable(rows))
    >>> print("\\n".join(line.rstrip() for line in console.export_text().splitlines()))
     name                          ┃ rows ┃ classes ┃ ratio
    ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━╇━━━━━━━━━╇━━━━━━━
     keel:ecoli-0-1-4-7_vs_2-3-5-6 │  336 │       2 │ 10.59
    test, features, modality left out at this width; --json
                        has every field
    """

    def __init__(self, rows: Sequence[dict[str, Any]]) -> None:
        self.rows = list(rows)
        self.cells = {
            header: [_dataset_value(key, r) for r in self.rows]
            for header, key, _ in _DATASET_COLUMNS
        }

    def _width(self, header: str) -> int:
        return max([len(header), *(len(c) for c in self.cells[header])])

    def natural_width(self) -> int:
        """The width that shows every column."""
        return table_width([self._width(h) for h, _, _ in _DATASET_COLUMNS])

    def _shown(self, width: int) -> list[str]:
        """The columns that fit ``width``, dropping optional ones in :data:`_DROP_ORDER`."""
        shown = [h for h, _, _ in _DATASET_COLUMNS]
        for header in _DROP_ORDER:
            if table_width([self._width(h) for h in shown]) <= width:
                break
            shown.remove(header)
        return shown

    def table(self, width: int) -> Any:
        """The rich Table laid out for ``width`` columns."""
        shown = self._shown(width)
        table = Table(header_style="bold", show_edge=False)
        for header, _, right in _DATASET_COLUMNS:
            if header in shown:
                table.add_column(
                    header,
                    justify="right" if right else "left",
                    no_wrap=True,
                    width=self._width(header),
                )
        for i in range(len(self.rows)):
            table.add_row(*(Text(self.cells[h][i]) for h in shown))
        dropped = [h for h in _DROP_ORDER if h not in shown]
        if dropped:
            table.caption = f"{', '.join(dropped)} left out at this width; --json has every field"
        return table

    def __rich_console__(self, console: Any, options: Any) -> Any:
        yield self.table(options.max_width)
