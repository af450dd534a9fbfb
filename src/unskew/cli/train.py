"""``unskew train``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from unskew.cli._app import app, dump
from unskew.cli._checks import AllowLeakOpt, check_cli_options, check_leaks_of
from unskew.cli._errors import handle_errors, one_line_warnings
from unskew.cli._options import (
    DataArg,
    DeviceOpt,
    ImageSizeOpt,
    ModelOpt,
    PluginOpt,
    PrecisionOpt,
    PretrainedOpt,
    SkipBadImagesOpt,
    TargetOpt,
    TextOpt,
    check_runtime,
    use_plugins,
)


@app.command()
@handle_errors
def train(
    data: DataArg = None,
    target: TargetOpt = "auto",
    recipe: Annotated[
        str, typer.Option("--recipe", "-r", help="Strategies, one per stage: see docs/recipes.md.")
    ] = "cross_entropy",
    out: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--out", "-o", help="Folder to save the model in (weights.pt + model.json)."),
    ] = None,
    model: ModelOpt = "auto",
    epochs: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            help="Passes over the training rows (default: 30, more on small data so that "
            "training makes at least 300 optimiser steps)."
        ),
    ] = None,
    batch_size: Annotated[int, typer.Option("--batch-size")] = 128,
    lr: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option(help="Learning rate; default 1e-3 (AdamW) or 0.05 (SGD)."),
    ] = None,
    optimizer: Annotated[str, typer.Option(help="adamw or sgd.")] = "adamw",
    validation: Annotated[
        float, typer.Option(help="Share of training rows for early stopping and tuning; 0 = none.")
    ] = 0.2,
    test_size: Annotated[
        float,
        typer.Option(
            "--test-size",
            help="Share held out for the report (built-ins with a test split use it).",
        ),
    ] = 0.25,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    text: TextOpt = None,
    image_size: ImageSizeOpt = None,
    skip_bad_images: SkipBadImagesOpt = False,
    pretrained: PretrainedOpt = None,
    device: DeviceOpt = "auto",
    precision: PrecisionOpt = "32",
    as_json: Annotated[bool, typer.Option("--json", help="Print the test report as JSON.")] = False,
    refit: Annotated[
        bool,
        typer.Option(
            "--refit/--no-refit",
            help="After the report, fit the saved model again on every labelled row, for the "
            "epochs early stopping chose, its decision rule re-tuned on out-of-fold scores "
            "(docs/training.md).",
        ),
    ] = True,
    plugin: PluginOpt = None,
    allow_leak: AllowLeakOpt = False,
) -> None:
    """Train a model with a recipe, report it on held-out rows, and save it.

    Tables, texts (tables with free-text columns), image folders (a sub-folder per class), .npz.
    """
    check_cli_options(epochs=epochs, batch_size=batch_size, lr=lr, validation=validation)
    check_cli_options(test_size=test_size, seed=seed)
    use_plugins(plugin)
    from unskew.cli._paths import output_folder
    from unskew.exceptions import InputError

    if out is not None:
        output_folder(out, inputs=[data])  # before any work or heavy import
    if out is not None and out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"{out} exists and is not an empty folder; choose another --out")
    check_runtime(device, precision, pretrained)
    from unskew.cli._render import console
    from unskew.metrics import classification_report, report_table
    from unskew.training import ImbalancedClassifier
    from unskew.training.inputs import take_rows
    from unskew.training.modality import describe_data

    with one_line_warnings():
        bundle, kind = _load(data, target, model, text, image_size, skip_bad_images)
    check_leaks_of(data, bundle, allow_leak)
    import numpy as np

    classes = np.asarray(bundle.classes)
    X, y = bundle.X, classes[np.asarray(bundle.y)]
    test = getattr(bundle, "test", None)
    if test is not None:
        X_tr, y_tr, X_te, y_te = X, y, test.X, classes[np.asarray(test.y)]
    elif test_size > 0:
        from sklearn.model_selection import train_test_split

        counts = np.unique(y, return_counts=True)[1]
        if counts.min() < 2:
            raise InputError(
                "a class has a single row, too few to hold one out for testing; use --test-size 0"
            )
        train_rows, test_rows = train_test_split(  # rows, so that image folders stay on disk
            np.arange(len(y)), test_size=test_size, stratify=y, random_state=seed
        )
        X_tr, X_te = take_rows(X, train_rows), take_rows(X, test_rows)
        y_tr, y_te = y[train_rows], y[test_rows]
    else:
        X_tr, y_tr, X_te, y_te = X, y, None, None
    clf = ImbalancedClassifier(
        kind,
        recipe,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        optimizer=optimizer,
        validation=validation or None,
        random_state=seed,
        verbose=1,
        device=device,
        precision=precision,
        pretrained=None if pretrained is None else str(pretrained),
    )
    with one_line_warnings():
        clf.fit(X_tr, y_tr)
    if clf.pretrained_report_ is not None:
        print(clf.pretrained_report_.summary(), file=sys.stderr)
    report = None
    if X_te is not None:
        pred = clf.predict(X_te)
        proba = clf.predict_proba(X_te)
        from unskew._validation import minority_class

        # two classes: the ranking metrics of the training labels' minority, as compare's
        minority = clf.classes_[minority_class(clf.label_counts_)]
        report = classification_report(y_te, pred, proba, labels=clf.classes_, pos_label=minority)
    saved = clf
    if out is not None and refit and (len(y_tr) < len(y) or (clf.meta_ is None and validation)):
        from unskew.training.refit import REFIT_DECISION, refit_every_row

        saved = refit_every_row(clf, X, y, decision=REFIT_DECISION)
    reported = None if report is None else clf.n_rows_
    rows = {"fitted_rows": saved.n_rows_, "report_model_rows": reported}
    if out is not None:
        extra = {"test_report": report, **rows}
        saved.save(out, overwrite=True, extra=extra, data=describe_data(bundle))
    if as_json:
        model = str(out) if out else None
        dump({"recipe": clf.recipe_, "model": model, "test_report": report, **rows})
        return
    stdout = console()
    if report is not None:
        stdout.print(report_table(report, title=_report_title(clf.recipe_, len(y_te))))
    if out is not None:
        stdout.print(_fitted_on(saved, clf, report is not None, validation, refit))
        stdout.print(f"saved to {out} (load with unskew.training.load_model)")


_RULE = {
    "out_of_fold": ", its decision rule re-tuned on out-of-fold scores",
    "keep": ", with the reported model's decision rule",
}


def _report_title(recipe: str, rows: int) -> str:
    """The report's title; a recipe too long for the table is broken at its part boundaries."""
    from unskew.bench._board import name_lines
    from unskew.metrics._report import REPORT_WIDTH

    title = f"{recipe} on {rows} held-out rows"
    if len(title) <= REPORT_WIDTH:
        return title
    return "\n".join([*name_lines(recipe, REPORT_WIDTH), f"on {rows} held-out rows"])


def _fitted_on(saved: Any, clf: Any, reported: bool, validation: float, refit: bool) -> str:
    """One line: the rows the saved model was fitted on, and those of the reported one."""
    if saved is not clf:
        text = f"fitted on {saved.n_rows_:,} rows"
        if saved.meta_ is None and saved.best_epoch_ is not None:
            epochs = saved.refit_epochs_
            text += (
                f" for {epochs} epoch{'s' if epochs != 1 else ''}, the count early stopping chose"
            )
        text += _RULE.get(saved.refit_decision_, "")
        if reported:
            text += f"; the report above is from a model fitted on {clf.n_rows_:,} rows"
        return text
    held = f" ({validation:.0%} of them held out for early stopping)" if validation else ""
    text = f"fitted on {clf.n_rows_:,} rows{held}"
    if reported:
        text += "; the report above is from this model"
    return text + ("" if refit else "; --refit fits it again on every labelled row")


def _load(
    data: str | None,
    target: str,
    model: str,
    text: str | None,
    image_size: str | None,
    skip_bad_images: bool,
) -> tuple[Any, str]:
    """The DataBundle (``--image-size`` applied to image arrays too) and the network for it
    (``--model`` checked against the data)."""
    import warnings

    from unskew.training.modality import load_for_training, resolve_model

    with warnings.catch_warnings(record=True) as caught:  # said once the data is accepted
        warnings.simplefilter("always")
        bundle = load_for_training(
            data, target, text=text, image_size=image_size, skip_bad_images=skip_bad_images
        )
        shape = tuple(bundle.X.shape[-2:]) if bundle.modality == "image" else None
        kind = resolve_model(model, bundle.modality, shape, name=str(data or "seed"))
    for warning in caught:
        warnings.warn(warning.message, warning.category, stacklevel=2)
    return bundle, kind
