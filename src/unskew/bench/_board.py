"""The leaderboard in a terminal: the columns chosen by the width, recipe names wrapped, never cut.

A :class:`Board` is a rich renderable that lays itself out for the width rich gives it: rank,
recipe, the ranking metric (mean ± std), the verdict against the baseline and seconds per run;
every other metric with ``wide=True``. A recipe name longer than its column is broken after a
``+`` (then after ``:``, ``,`` or ``=``), so every line holds whole parts of the name and joining
the lines gives the name back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from unskew._layout import break_lines, table_width
from unskew.bench._verdict import format_p

__all__ = ["Board", "name_lines"]

#: Narrowest recipe column before optional columns are dropped or folded.
MIN_NAME = 16

_VERDICT_STYLE = {"better": "green", "worse": "red", "tie": "dim"}


#: Where a recipe name may break, coarsest first: after a part, after a strategy's name, between
#: its parameters.
_BREAKS = (r"(?<=[+;])", r"(?<=:)", r"(?<=[,=])")


def name_lines(spec: str, width: int) -> list[str]:
    """Break a recipe name into lines of at most ``width`` characters, at part boundaries first.

    Rule: split after every ``+`` (and every ``;`` between the recipes of a stack) and pack the
    parts greedily; a line still too long is split after ``:`` and packed again, then after ``,``
    or ``=``; a piece longer than ``width`` with none of these is cut every ``width``
    characters. ``"".join(lines) == spec`` always.

    Examples
    --------
    >>> name_lines("balanced_sampler+cross_entropy+threshold:f1", 20)
    ['balanced_sampler+', 'cross_entropy+', 'threshold:f1']
    >>> name_lines("cross_entropy+weights:scheme=inverse", 16)
    ['cross_entropy+', 'weights:', 'scheme=inverse']
    >>> name_lines("stack_recipes:recipes=[focal;ldam+drw]", 24)
    ['stack_recipes:', 'recipes=[focal;', 'ldam+drw]']
    >>> name_lines("focal", 3)
    ['foc', 'al']
    """
    return [line for line in break_lines(spec, width, _BREAKS) if line]


@dataclass
class _Column:
    header: str
    cells: list[Any]  # rich Text, one per row
    justify: Literal["left", "right"] = "right"

    @property
    def width(self) -> int:
        lines = [line for cell in self.cells for line in cell.split()]
        return max([len(self.header), *(line.cell_len for line in lines)])


def _stat(stat: dict[str, Any]) -> str:
    if stat["mean"] is None:
        return "n/a"  # undefined on every fold (a ranking metric with one class present)
    mean = f"{stat['mean']:.3f}"
    return mean if stat["std"] is None else f"{mean} ± {stat['std']:.3f}"


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


class Board:
    """A leaderboard that fits the width it is rendered at.

    Parameters
    ----------
    rows : list of dict
        :meth:`CompareResult.leaderboard` rows, best first.
    metric : str
        The ranking metric (shown with its spread).
    metrics : sequence of str
        Every metric the rows carry; with ``wide=True`` the others follow the verdict.
    wide : bool
        Show every metric. The table is then as wide as it needs to be (names still wrap down to
        16 characters first); without it, it never exceeds the width it is given when that is
        at least 50 characters: names wrap, then the verdict folds onto two lines, then the
        seconds go.

    Examples
    --------
    >>> import io
    >>> from rich.console import Console
    >>> row = {"rank": 1, "spec": "balanced_sampler+cross_entropy", "baseline": False,
    ...        "status": "ok", "seconds": 1.5, "metrics": {"gmean": {"mean": 0.8, "std": 0.05}},
    ...        "vs_baseline": {"p": 0.012, "diff": 0.1, "verdict": "better"}}
    >>> console = Console(width=50, file=io.StringIO(), record=True)
    >>> console.print(Board([row], "gmean", ["gmean"]))
    >>> print(console.export_text().rstrip())
     # ┃ recipe             ┃         gmean ┃ vs
    ━━━╇━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━╇━━━━━━━━━
     1 │ balanced_sampler+  │ 0.800 ± 0.050 │ better
       │ cross_entropy      │               │ p=0.012
    """

    def __init__(
        self, rows: list[dict[str, Any]], metric: str, metrics: Sequence[str], wide: bool = False
    ) -> None:
        self.rows = rows
        self.metric = metric
        self.others = [m for m in metrics if m != metric] if wide else []
        self.wide = wide

    # -- cells -------------------------------------------------------------------------------------
    def _verdict_cell(self, row: dict[str, Any], fold: bool) -> Any:
        cell = self._test_cell(row, fold)
        if row.get("stopped"):  # racing stopped it: say after how many folds
            cell.append(f"\nstopped after {row['stopped']['after']}", style="dim")
        return cell

    def _test_cell(self, row: dict[str, Any], fold: bool) -> Any:
        from rich.text import Text

        vs = row["vs_baseline"]
        if row["baseline"]:
            return Text("baseline", style="dim")
        if vs is None:
            return Text(row["status"], style="red") if row["status"] != "ok" else Text("-")
        word = vs["verdict"] if fold else f"{vs['verdict']:<6}"
        sep = "\n" if fold else " "
        return Text(f"{word}{sep}{format_p(vs['p'])}", style=_VERDICT_STYLE[vs["verdict"]])

    def _columns(self, fold_verdict: bool, with_seconds: bool) -> list[_Column]:
        """Every column but the recipe's, in order (the recipe goes second)."""
        from rich.text import Text

        def stat_column(m: str, header: str) -> _Column:
            return _Column(header, [Text(_stat(r["metrics"][m])) for r in self.rows])

        cols = [
            _Column("#", [Text(str(r["rank"] or "-")) for r in self.rows]),
            stat_column(self.metric, self.metric + (" ▼" if self.wide else "")),
            _Column(
                "vs baseline" if not fold_verdict else "vs",
                [self._verdict_cell(r, fold_verdict) for r in self.rows],
                justify="left",
            ),
        ]
        cols += [stat_column(m, m) for m in self.others]
        if with_seconds:
            cols.append(_Column("s/run", [Text(_seconds(r["seconds"])) for r in self.rows]))
        return cols

    def _name_width(self) -> int:
        return max([len("recipe"), *(len(r["spec"]) for r in self.rows)])

    def _layout(self, width: int) -> tuple[list[_Column], int]:
        """The columns for ``width`` and the recipe column's width: first every column with the
        names whole; else names wrapped; else the verdict folded onto two lines; else without
        seconds (not in wide mode); the narrowest layout when none fits."""
        tries = [(False, True), (True, True)] + ([] if self.wide else [(True, False)])
        for fold, seconds in tries:
            cols = self._columns(fold, seconds)
            room = width - table_width([c.width for c in cols] + [0])
            if room >= min(self._name_width(), MIN_NAME):
                return cols, min(room, self._name_width())
        return cols, min(self._name_width(), MIN_NAME if self.wide else max(8, room))

    def natural_width(self) -> int:
        """The width that shows every name on one line."""
        cols = self._columns(False, True)
        return table_width([c.width for c in cols] + [self._name_width()])

    def min_width(self) -> int:
        """The width of the narrowest layout: names wrapped at 16 characters, verdict folded (and,
        unless wide, no seconds)."""
        cols = self._columns(True, self.wide)
        return table_width([c.width for c in cols] + [min(self._name_width(), MIN_NAME)])

    # -- rich protocol -----------------------------------------------------------------------------
    def table(self, width: int) -> Any:
        """The rich Table laid out for ``width`` columns."""
        from rich.table import Table
        from rich.text import Text

        cols, name_width = self._layout(width)
        table = Table(header_style="bold", show_edge=False)
        order = [cols[0], None, *cols[1:]]
        for col in order:
            if col is None:
                table.add_column("recipe", width=name_width, no_wrap=True, overflow="fold")
            else:
                table.add_column(
                    col.header,
                    justify=col.justify,
                    no_wrap=True,
                    width=col.width,
                )
        for i, row in enumerate(self.rows):
            name = Text(
                "\n".join(name_lines(row["spec"], name_width)),
                style="bold" if row["rank"] == 1 else "",
            )
            cells = [col.cells[i] if col is not None else name for col in order]
            table.add_row(*cells)
        return table

    def __rich_console__(self, console: Any, options: Any) -> Any:
        yield self.table(options.max_width)

    def __rich_measure__(self, console: Any, options: Any) -> Any:
        from rich.measure import Measurement

        return Measurement(self.min_width(), self.natural_width())


class SuiteBoard:
    """The ranking across datasets that fits the width it is rendered at: recipe, mean rank, then
    as many datasets' mean scores as fit (the rest are counted in a caption).

    Parameters
    ----------
    specs : list of str
        Recipes, best mean rank first.
    ranks : list of float
        Their mean ranks.
    datasets : list of str
        Dataset names.
    scores : list of list of float
        ``scores[i][j]``: mean score of recipe ``i`` on dataset ``j``.

    Examples
    --------
    >>> import io
    >>> from rich.console import Console
    >>> board = SuiteBoard(["focal", "cross_entropy"], [1.0, 2.0], ["a", "b"],
    ...                    [[0.9, 0.8], [0.7, 0.6]])
    >>> console = Console(width=60, file=io.StringIO(), record=True)
    >>> console.print(board)
    >>> print(console.export_text().rstrip())
     recipe        ┃ mean rank ┃     a ┃     b
    ━━━━━━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━╇━━━━━━━
     focal         │      1.00 │ 0.900 │ 0.800
     cross_entropy │      2.00 │ 0.700 │ 0.600
    """

    def __init__(
        self,
        specs: list[str],
        ranks: list[float],
        datasets: list[str],
        scores: list[list[float]],
    ) -> None:
        self.specs, self.ranks, self.datasets, self.scores = specs, ranks, datasets, scores

    def _name_width(self) -> int:
        return max([len("recipe"), *(len(s) for s in self.specs)])

    def _widths(self) -> list[int]:
        return [max(len(name), 5) for name in self.datasets]

    def natural_width(self) -> int:
        """The width that shows every name on one line and every dataset."""
        return table_width([self._name_width(), len("mean rank"), *self._widths()])

    def table(self, width: int) -> Any:
        """The rich Table laid out for ``width`` columns."""
        from rich.table import Table

        name_width = min(self._name_width(), max(MIN_NAME, width // 3))
        shown = 0
        for _ in self.datasets:
            widths = [name_width, len("mean rank"), *self._widths()[: shown + 1]]
            if table_width(widths) > width:
                break
            shown += 1
        used = table_width([name_width, len("mean rank"), *self._widths()[:shown]])
        name_width = min(self._name_width(), name_width + max(0, width - used))
        table = Table(header_style="bold", show_edge=False)
        table.add_column("recipe", width=name_width, no_wrap=True, overflow="fold")
        table.add_column("mean rank", justify="right", no_wrap=True)
        for name, w in zip(self.datasets[:shown], self._widths(), strict=False):
            table.add_column(name, justify="right", no_wrap=True, width=w)
        for spec, rank, row in zip(self.specs, self.ranks, self.scores, strict=True):
            table.add_row(
                "\n".join(name_lines(spec, name_width)),
                f"{rank:.2f}",
                *(f"{v:.3f}" for v in row[:shown]),
            )
        if shown < len(self.datasets):
            table.caption = (
                f"{shown} of {len(self.datasets)} datasets shown; every one in --json and the "
                "report"
            )
        return table

    def __rich_console__(self, console: Any, options: Any) -> Any:
        yield self.table(options.max_width)
