"""``unskew predict`` and ``unskew suggest``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from unskew.cli._app import app
from unskew.cli._checks import check_cli_options
from unskew.cli._errors import handle_errors
from unskew.cli._options import PluginOpt, use_plugins


@app.command()
@handle_errors
def predict(
    model_dir: Annotated[Path, typer.Argument(help="A folder written by unskew train.")],
    data: Annotated[str, typer.Argument(help="A table file with the training columns.")],
    out: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--out", "-o", help="CSV to write (default or '-': print to stdout)."),
    ] = None,
    plugin: PluginOpt = None,
) -> None:
    """Predict labels and class probabilities for a table with a saved model."""
    use_plugins(plugin)
    from unskew.cli._paths import output_file

    target = output_file(out, inputs=[model_dir, data])  # before any work or heavy import
    import pandas as pd

    from unskew.data import read_frame
    from unskew.training import load_model

    clf = load_model(model_dir)
    frame = _training_columns(clf, read_frame(data), data)
    proba = clf.predict_proba(frame)
    result = pd.DataFrame({"prediction": clf.predict(frame)})
    for j, label in enumerate(clf.classes_):
        result[f"score_{label}"] = proba[:, j]
    _write_csv(result, target)


@app.command()
@handle_errors
def suggest(
    model_dir: Annotated[Path, typer.Argument(help="A folder written by unskew train.")],
    pool: Annotated[str, typer.Argument(help="A table file of unlabelled rows.")],
    n: Annotated[int, typer.Option("-n", "--n", help="How many rows to label next.")] = 20,
    strategy: Annotated[
        str, typer.Option(help="minority (likeliest minority), uncertainty, or hybrid.")
    ] = "minority",
    diversity: Annotated[
        bool, typer.Option(help="Spread the batch over the model's feature space.")
    ] = True,
    out: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--out", "-o", help="CSV to write (default or '-': print to stdout)."),
    ] = None,
    plugin: PluginOpt = None,
) -> None:
    """Rank unlabelled rows so that labelling effort finds more minority cases."""
    check_cli_options(n=n)
    use_plugins(plugin)
    from unskew.cli._paths import output_file

    target = output_file(out, inputs=[model_dir, pool])  # before any work or heavy import
    import numpy as np
    import pandas as pd

    from unskew.active import suggest as rank
    from unskew.data import read_frame
    from unskew.training import load_model

    clf = load_model(model_dir)
    frame = _training_columns(clf, read_frame(pool), pool)
    picks, scores = rank(clf, frame, n, strategy=strategy, diversity=diversity, return_scores=True)
    minority = clf.classes_[int(np.argmin(clf.class_counts_))]
    proba = clf.predict_proba(frame.iloc[picks])[:, list(clf.classes_).index(minority)]
    result = pd.DataFrame({"row": picks, "score": scores, f"p_{minority}": proba})
    _write_csv(result, target)


def _training_columns(clf: Any, frame: Any, name: str) -> Any:
    """A table restricted to the model's training columns, in training order."""
    from unskew.exceptions import InputError

    columns = getattr(clf, "feature_names_in_", None)
    if columns is None:
        return frame
    missing = [str(c) for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{name} lacks the training column(s) {missing}; give it the columns the model was "
            "trained on"
        )
    return frame[list(columns)]  # extra columns (such as the label) are ignored


def _write_csv(result: Any, target: Path | None) -> None:
    """Print ``result`` as CSV, or write it to ``target`` (checked by ``output_file``) atomically:
    a temporary file in its folder, then a rename."""
    from unskew._files import write_file_atomically

    if target is None:
        result.to_csv(sys.stdout, index=False)
        return
    write_file_atomically(target, lambda tmp: result.to_csv(tmp, index=False))
