"""Rich renderings of profiles for the terminal, and the consoles the commands print on (the
strategy and dataset listings are in :mod:`unskew.cli._listings`)."""

from __future__ import annotations

import math
import os
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

_GROUP_STYLE = {"many": "blue", "medium": "yellow", "few": "red"}


def _bar(count: int, largest: int, log: bool, width: int = 24) -> str:
    if count <= 0:
        return ""
    frac = math.log1p(count) / math.log1p(largest) if log else count / largest
    return "█" * max(1, round(frac * width))


def profile_renderable(p: Any) -> Group:
    """A rich renderable of a :class:`~unskew.data.Profile`."""
    head = Text.assemble(
        (p.name, "bold"),
        f": {p.n_samples:,} rows",
        f" x {p.n_features:,} feature{'s' if p.n_features != 1 else ''}" if p.n_features else "",
        f", {p.n_classes} classes ({p.modality})",
    )
    log = p.imbalance_ratio >= 20
    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    table.add_column("class")
    table.add_column("count", justify="right")
    table.add_column("share", justify="right")
    if p.groups is not None:
        table.add_column("group")
    table.add_column("distribution" + (" (log)" if log else ""))
    largest = max(c.count for c in p.classes)
    for c in p.classes:
        minority = c.label == p.minority
        style = _GROUP_STYLE.get(c.group or "", "red" if minority else "blue")
        row = [str(c.label), f"{c.count:,}", f"{c.share:.1%}"]
        if p.groups is not None:
            row.append(Text(c.group or "", style=style))
        row.append(Text(_bar(c.count, largest, log), style=style))
        table.add_row(*row)
    facts = Text.assemble(
        ("imbalance ratio ", "dim"),
        (f"{p.imbalance_ratio:,.2f}", "bold"),
        ("   normalised entropy ", "dim"),
        f"{p.normalized_entropy:.3f}",
        ("   majority ", "dim"),
        str(p.majority),
        ("   minority ", "dim"),
        str(p.minority),
    )
    parts: list[Any] = [head]
    if getattr(p, "detection", ""):
        parts.append(Text.assemble(("detected ", "dim"), p.detection))
    parts += [table, facts]
    if p.groups is not None:
        parts.append(
            Text(
                f"many-shot (> {p.thresholds['many']}): {len(p.groups['many'])} classes   "
                f"medium: {len(p.groups['medium'])}   few-shot (< {p.thresholds['few']}): "
                f"{len(p.groups['few'])}",
                style="dim",
            )
        )
    if p.warnings:
        warn = Text()
        for w in p.warnings:
            warn.append("! ", style="bold yellow").append(w.message + "\n")
        parts.append(
            Panel(
                warn.rstrip() or warn, title="warnings", title_align="left", border_style="yellow"
            )
        )
    if p.suggestions:
        sug = Table(show_header=False, show_edge=False, box=None, pad_edge=False)
        sug.add_column(style="bold cyan", no_wrap=True)
        sug.add_column()
        for s in p.suggestions:
            sug.add_row(s.recipe, s.reason)
        parts.append(
            Panel(
                sug,
                title="strategies to try (then measure them: unskew compare)",
                title_align="left",
                border_style="cyan",
            )
        )
    return Group(*parts)


class _Console(Console):
    """rich's Console, except that a closed pipe raises ``BrokenPipeError`` (the command line's
    one-line error) instead of rich's silent exit 1."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


def console(stderr: bool = False) -> Console:
    """A console that never wraps JSON and keeps colours off when not writing to a terminal."""
    return _Console(stderr=stderr, highlight=False)


def fitted_console(natural_width: int) -> Console:
    """The console a listing prints on: the terminal's width on a terminal (or ``$COLUMNS`` when
    set); on a file or a pipe, ``natural_width`` (at least 80 columns), the width at which each
    row is one line with every name whole, so a saved output is never cut at 80 and ``grep``
    finds whole rows."""
    out = console()
    if not out.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
        out.width = max(80, natural_width)
    return out


def result_console(result: Any, wide: bool = False) -> Console:
    """The console a comparison's result prints on (:func:`fitted_console`): on a file or a
    pipe, as wide as the leaderboard with every recipe name on one line."""
    return fitted_console(result.natural_width(wide=wide))
