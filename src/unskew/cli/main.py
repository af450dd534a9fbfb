"""``unskew``: profile data, train and predict, compare strategies, list strategies and built-in
datasets. Each command lives in its own module; this one registers them.

Heavy modules (pandas, scikit-learn, torch, matplotlib) are imported inside the commands, so
``unskew --help`` stays fast and never imports torch.
"""

from __future__ import annotations

import importlib
import sys

from unskew.cli._app import app

# each module registers its commands; the order is the order of `unskew --help`
for _module in ("profile", "train", "predict", "compare"):
    importlib.import_module(f"unskew.cli.{_module}")

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``unskew`` console script (usage errors print as one line)."""
    from unskew.cli._errors import run_app

    sys.exit(run_app(app))
