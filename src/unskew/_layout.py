"""Fitting text to a terminal's width: break a text into lines at the places that keep its meaning
(a recipe name after ``+``, parameters between ``key=value`` items, a summary between words), and
the width of a rich table from its columns' widths.

The module is torch-free and rich-free: the leaderboard (:mod:`unskew.bench._board`) and the
``unskew strategies`` / ``unskew datasets`` listings use it.

Examples
--------
>>> break_lines("n_neighbors=5, sampling_strategy=auto", 24, (r"(?<=, )", r"(?<==)"))
['n_neighbors=5, ', 'sampling_strategy=auto']
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["break_lines", "table_width"]


def _shown(text: str) -> int:
    """The width a line takes on screen: its trailing spaces are dropped when it is shown."""
    return len(text.rstrip(" "))


def _pack(pieces: Sequence[str], width: int) -> list[str]:
    lines: list[str] = []
    for piece in pieces:
        if lines and _shown(lines[-1] + piece) <= width:
            lines[-1] += piece
        else:
            lines.append(piece)
    return lines


def break_lines(text: str, width: int, breaks: Sequence[str]) -> list[str]:
    """Break ``text`` into lines of at most ``width`` characters, at the coarsest places first.

    Rule: split after every match of ``breaks[0]`` (a regular expression, usually a look-behind
    such as ``(?<=\\+)``) and pack the pieces greedily; a line still too long is split after
    ``breaks[1]`` and packed again, and so on; a piece longer than ``width`` with none of these
    is cut every ``width`` characters. Trailing spaces do not count towards the width (they are
    dropped when a line is shown). ``"".join(lines) == text`` always.

    Parameters
    ----------
    text : str
        The text to break.
    width : int
        The most characters a line may show (at least 1).
    breaks : sequence of str
        Regular expressions matching the places a line may end, coarsest first.

    Returns
    -------
    list of str
        The lines, none empty (one empty line for an empty text).

    Examples
    --------
    >>> break_lines("More rows where the minority is hard", 14, (r"(?<= )",))
    ['More rows ', 'where the ', 'minority is ', 'hard']
    >>> break_lines("rotated/scaled/cropped copies", 10, (r"(?<= )", r"(?<=/)"))
    ['rotated/', 'scaled/', 'cropped ', 'copies']
    >>> break_lines("focal", 3, (r"(?<=\\+)",))
    ['foc', 'al']
    """
    lines = [line for line in _break(text, max(1, width), tuple(breaks), 0) if line]
    return lines or [""]


def _break(text: str, width: int, breaks: tuple[str, ...], level: int) -> list[str]:
    if _shown(text) <= width:
        return [text]
    if level == len(breaks):
        return [text[i : i + width] for i in range(0, len(text), width)]
    lines: list[str] = []
    for line in _pack(re.split(breaks[level], text), width):
        lines += _break(line, width, breaks, level + 1)
    return lines


def table_width(widths: Sequence[int]) -> int:
    """Width of a rich Table with ``show_edge=False`` whose columns are ``widths`` wide: each cell
    padded by one space each side, one rule between columns.

    Examples
    --------
    >>> table_width([10, 5])
    20
    """
    return sum(widths) + 3 * len(widths) - 1
