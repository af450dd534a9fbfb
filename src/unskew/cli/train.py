"""``unskew train``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from unskew.cli._app import app, dump
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
    plugin: PluginOpt = None,
) -> None:
    """Train a model with a recipe, report it on held-out rows, and save it: tables, texts (a
    table with free-text columns), image folders (one sub-folder per class) and image .npz."""
    use_plugins(plugin)
    from unskew.cli._paths import output_folder
    from unskew.exceptions import InputError

    if out is not None:
        output_folder(out, inputs=[data])  # before any work or heavy import
    if out is not None and out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"{out} exists and is not an empty folder; choose another --out")
    if not 0.0 <= test_size < 1.0 or not 0.0 <= validation < 1.0:
        raise InputError("--test-size and --validation must be shares in [0, 1)")
    check_runtime(device, precision, pretrained)
    from unskew.bench._evaluate import take_rows
    from unskew.cli._render import console
    from unskew.metrics import classification_report, report_table
    from unskew.training import ImbalancedClassifier
    from unskew.training.modality import describe_data

    with one_line_warnings():
        bundle, kind = _load(data, target, model, text, image_size, skip_bad_images)
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
        score = proba[:, 1] if proba.shape[1] == 2 else proba
        report = classification_report(y_te, pred, score, labels=clf.classes_)
    if out is not None:
        clf.save(out, overwrite=True, extra={"test_report": report}, data=describe_data(bundle))
    if as_json:
        dump({"recipe": clf.recipe_, "model": str(out) if out else None, "test_report": report})
        return
    stdout = console()
    if report is not None:
        stdout.print(report_table(report, title=f"{clf.recipe_} on {len(y_te)} held-out rows"))
    if out is not None:
        stdout.print(f"saved to {out} (load with unskew.training.load_model)")


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
