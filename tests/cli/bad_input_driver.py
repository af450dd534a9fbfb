"""Run several ``unskew`` command lines in one fresh interpreter, each as the console script runs
it (:func:`unskew.cli._errors.run_app`), and print, as JSON, each one's exit code, standard output
and error, and the files of the working folder it changed.

Used by ``test_bad_input_matrix.py`` to keep the suite fast: one interpreter start (torch, pandas)
serves a group of cases that do not depend on each other. Input on stdin:
``{"cases": {"case id": ["train", "--epochs", "0"], ...}}``; the current directory is the working
folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sys
import traceback
from pathlib import Path


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` and a digest of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run(argv: list[str]) -> dict[str, object]:
    from unskew.cli import app
    from unskew.cli._errors import run_app

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code: object = run_app(app, argv)
        except SystemExit as exc:
            code = exc.code
        except BaseException:  # a bug: keep its traceback for the test's message
            traceback.print_exc(file=err)
            code = "traceback"
    return {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


def main() -> None:
    cases = json.loads(sys.stdin.read())["cases"]
    folder = Path.cwd()
    results = {}
    for case_id, argv in cases.items():
        before = snapshot(folder)
        result = run(argv)
        after = snapshot(folder)
        result["changed"] = sorted(
            k for k in before.keys() | after.keys() if before.get(k) != after.get(k)
        )
        results[case_id] = result
    sys.__stdout__.write(json.dumps(results))


if __name__ == "__main__":
    main()
