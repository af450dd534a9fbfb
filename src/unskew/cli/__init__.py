"""The ``unskew`` command line: a thin layer over the library (see :mod:`unskew.cli.main`)."""

from __future__ import annotations

from unskew.cli.main import app, main

__all__ = ["app", "main"]
