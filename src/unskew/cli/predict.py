"""``unskew predict`` and ``unskew suggest``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from unskew.cli._app import app
from unskew.cli._checks import check_cli_options
from unskew.cli._errors import handle_errors, one_line_warnings
from unskew.cli._options import PluginOpt, SkipBadImagesOpt, UnlabeledOpt, use_plugins


@app.command()
@handle_errors
def predict(
    model_dir: Annotated[Path, typer.Argument(help="A folder written by unskew train.")],
    data: Annotated[
        str,
        typer.Argument(
            help="What the model takes: a table or text file with the training columns, an "
            "image folder (images at its top level, or any tree with --unlabeled), an image "
            ".npz, or a built-in dataset's name (its rows; --keep label copies its labels)."
        ),
    ],
    out: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--out", "-o", help="CSV to write (default or '-': print to stdout)."),
    ] = None,
    unlabeled: UnlabeledOpt = False,
    skip_bad_images: SkipBadImagesOpt = False,
    id_column: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--id", help="Copy this column of DATA into the output (after 'row')."),
    ] = None,
    keep: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--keep", help="Copy these columns of DATA (A,B,...) into the output."),
    ] = None,
    plugin: PluginOpt = None,
) -> None:
    """Predict labels and class probabilities with a saved model (tables, texts, images).

    Columns: row (path for images) to join back to the input, prediction, score_<class>.
    """
    use_plugins(plugin)
    from unskew.cli._paths import output_file

    target = output_file(out, inputs=[model_dir, data])  # before any work or heavy import
    from unskew.cli._inputs import read_inputs
    from unskew.training import load_model

    clf = load_model(model_dir)
    with one_line_warnings():
        features, result = read_inputs(
            clf,
            data,
            unlabeled=unlabeled,
            skip_bad_images=skip_bad_images,
            copy=_copied(id_column, keep),
        )
        proba = clf.predict_proba(features)
        result["prediction"] = clf.predict(features)
    for j, label in enumerate(clf.classes_):
        result[f"score_{label}"] = proba[:, j]
    _write_csv(result, target)


def _copied(id_column: str | None, keep: str | None) -> list[str]:
    """The columns ``--id`` and ``--keep`` copy, in order, each once."""
    names = [id_column] if id_column else []
    names += [c.strip() for c in (keep or "").split(",") if c.strip()]
    return list(dict.fromkeys(names))


@app.command()
@handle_errors
def suggest(
    model_dir: Annotated[Path, typer.Argument(help="A folder written by unskew train.")],
    pool: Annotated[
        str,
        typer.Argument(
            help="The unlabelled rows, read as predict reads its DATA: a table or text file with "
            "the training columns, an image folder (images at its top level, one sub-folder per "
            "class, or any tree with --unlabeled), an image .npz, or a built-in dataset's name."
        ),
    ],
    n: Annotated[int, typer.Option("-n", "--n", help="How many rows to label next.")] = 20,
    strategy: Annotated[
        str, typer.Option(help="minority (likeliest minority), uncertainty, or hybrid.")
    ] = "minority",
    diversity: Annotated[
        bool,
        typer.Option(
            help="Spread the batch over the model's feature space (rows then come in pick order, "
            "not sorted by score)."
        ),
    ] = True,
    out: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--out", "-o", help="CSV to write (default or '-': print to stdout)."),
    ] = None,
    unlabeled: UnlabeledOpt = False,
    skip_bad_images: SkipBadImagesOpt = False,
    plugin: PluginOpt = None,
) -> None:
    """Rank unlabelled rows so that labelling effort finds more minority cases.

    Columns: row (path for an image folder) as predict writes it, score, p_<minority class>.
    """
    check_cli_options(n=n)
    use_plugins(plugin)
    from unskew.cli._paths import output_file

    target = output_file(out, inputs=[model_dir, pool])  # before any work or heavy import
    from unskew.active import minority_index
    from unskew.active import suggest as rank
    from unskew.cli._inputs import read_inputs
    from unskew.training import load_model
    from unskew.training.inputs import take_rows

    clf = load_model(model_dir)
    with one_line_warnings():
        features, front = read_inputs(
            clf, pool, unlabeled=unlabeled, skip_bad_images=skip_bad_images, copy=[]
        )
        picks, scores = rank(
            clf, features, n, strategy=strategy, diversity=diversity, return_scores=True
        )
        column = minority_index(clf)
        minority = clf.classes_[column]
        proba = clf.predict_proba(take_rows(features, picks))[:, column]
    result = front.iloc[picks].reset_index(drop=True)
    result["score"] = scores
    result[f"p_{minority}"] = proba
    _write_csv(result, target)


def _write_csv(result: Any, target: Path | None) -> None:
    """Print ``result`` as CSV, or write it to ``target`` (checked by ``output_file``) atomically:
    a temporary file in its folder, then a rename."""
    from unskew._files import write_file_atomically

    if target is None:
        result.to_csv(sys.stdout, index=False)
        return
    write_file_atomically(target, lambda tmp: result.to_csv(tmp, index=False))
