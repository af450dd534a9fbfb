"""``unskew``: profile data, train and predict, list strategies and built-in datasets.

Heavy modules (pandas, scikit-learn, torch, matplotlib) are imported inside the commands, so
``unskew --help`` stays fast and never imports torch.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from unskew import __version__
from unskew.cli._errors import fail, handle_errors

app = typer.Typer(
    name="unskew",
    help="Train deep models on class-imbalanced data, and find out which remedy works on yours.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

DataArg = Annotated[
    Optional[str],  # noqa: UP045 - typer reads the annotation at run time on Python 3.10 too
    typer.Argument(
        help="A table file (CSV/TSV/Parquet/.npz/KEEL .dat), an image folder (one sub-folder per "
        "class), or a built-in: seed (default), keel:NAME, mnist-lt, digits-lt.",
        show_default=False,
    ),
]
TargetOpt = Annotated[
    str,
    typer.Option(
        "--target", "-t", help="Label column; default: the column named target/label/class/y."
    ),
]

TextOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--text",
        help="Text column(s) of a table (COL or A,B); 'none' reads a table. Default: detect "
        "free-text columns (many distinct, multi-word values).",
        show_default=False,
    ),
]
ImageSizeOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--image-size",
        help="Image folders: resize to S or HxW pixels. Default: the most common size, longer "
        "side capped at 64 (scaled to cover, then center-cropped).",
        show_default=False,
    ),
]
SkipBadImagesOpt = Annotated[
    bool,
    typer.Option(
        "--skip-bad-images", help="Image folders: skip unreadable images instead of refusing."
    ),
]


def _version(value: bool) -> None:
    if value:
        print(f"unskew {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Train deep models on class-imbalanced data, and find out which remedy works on yours."""


def _dump(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


@app.command()
@handle_errors
def profile(
    data: DataArg = None,
    target: TargetOpt = "auto",
    text: TextOpt = None,
    image_size: ImageSizeOpt = None,
    skip_bad_images: SkipBadImagesOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the profile as JSON.")] = False,
    plot: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--plot", help="Write a bar chart of class counts (PNG, SVG or PDF)."),
    ] = None,
) -> None:
    """Which modality the data is and why, class counts and shares, imbalance ratio, data
    warnings (leaks included), and strategies worth trying."""
    import warnings

    from unskew._files import write_file_atomically
    from unskew.cli._paths import output_file
    from unskew.data import profile as make_profile
    from unskew.datasets import load

    if plot is not None:
        _check_plot_path(plot)
        plot_path = output_file(plot, option="--plot", inputs=[data], allow_stdout=False)
    with warnings.catch_warnings():  # the loader's warnings are listed in the profile itself
        warnings.simplefilter("ignore", UserWarning)
        bundle = load(
            data, target, text=text, image_size=image_size, skip_bad_images=skip_bad_images
        )
    result = make_profile(bundle)
    if plot is not None:
        write_file_atomically(plot_path, result.plot)
    if as_json:
        _dump(result.to_dict())
        return
    from unskew.cli._render import console, profile_renderable

    out = console()
    out.print(profile_renderable(result))
    if plot is not None:
        out.print(f"[dim]plot written to {plot}[/dim]")


def _check_plot_path(path: Path) -> None:
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("png", "svg", "pdf"):
        raise fail(
            f"--plot {path}: unknown image format '{suffix or '(none)'}'; use a .png, .svg or "
            ".pdf file name"
        )
    if not path.parent.exists():
        raise fail(f"--plot {path}: folder {path.parent} does not exist; create it first")


@app.command()
@handle_errors
def strategies(
    stage: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--stage", "-s", help="Only this stage: data, batch, objective, model, decision, meta."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Every registered strategy: its stage, what it does, its parameters and its paper."""
    from unskew.registry import get_registry

    entries = get_registry().list(stage=stage)
    if as_json:
        _dump([s.to_dict() for s in entries])
        return
    from unskew.cli._render import console, strategies_table

    console().print(strategies_table(entries))


@app.command()
@handle_errors
def datasets(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    with_keel: Annotated[
        bool, typer.Option("--keel/--no-keel", help="Include the 100 KEEL datasets.")
    ] = True,
) -> None:
    """The built-in datasets with their size, classes and imbalance ratio (no network needed)."""
    from unskew.datasets import describe_builtins

    rows = describe_builtins(include_keel=with_keel)
    if as_json:
        _dump(rows)
        return
    from unskew.cli._render import console, datasets_table

    console().print(datasets_table(rows))


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
    model: Annotated[
        str, typer.Option("--model", "-m", help="mlp (tables), cnn (images) or auto.")
    ] = "auto",
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
    as_json: Annotated[bool, typer.Option("--json", help="Print the test report as JSON.")] = False,
) -> None:
    """Train a model with a recipe, report it on held-out rows, and save it."""
    from unskew.cli._paths import output_folder
    from unskew.exceptions import InputError

    if out is not None:
        output_folder(out, inputs=[data])  # before any work or heavy import
    from unskew.cli._render import console
    from unskew.datasets import load
    from unskew.metrics import classification_report, report_table
    from unskew.training import ImbalancedClassifier

    if out is not None and out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"{out} exists and is not an empty folder; choose another --out")
    if not 0.0 <= test_size < 1.0 or not 0.0 <= validation < 1.0:
        raise InputError("--test-size and --validation must be shares in [0, 1)")
    bundle = load(data, target)
    if not hasattr(bundle, "y") or not hasattr(bundle, "X"):
        raise InputError(
            "unskew train takes tables and image arrays; for an image folder use "
            "unskew.training.Trainer with the folder's Dataset from Python"
        )
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
        X_tr, X_te, y_tr, y_te = train_test_split(
            X, y, test_size=test_size, stratify=y, random_state=seed
        )
    else:
        X_tr, y_tr, X_te, y_te = X, y, None, None
    kind = model
    if kind == "auto":
        kind = "mlp" if hasattr(X, "columns") or np.asarray(X).ndim == 2 else "cnn"
    if kind not in ("mlp", "cnn"):
        raise InputError(f"--model must be mlp, cnn or auto, got {model!r}")
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
    )
    clf.fit(X_tr, y_tr)
    report = None
    if X_te is not None:
        pred = clf.predict(X_te)
        proba = clf.predict_proba(X_te)
        score = proba[:, 1] if proba.shape[1] == 2 else proba
        report = classification_report(y_te, pred, score, labels=clf.classes_)
    if out is not None:
        clf.save(out, overwrite=True, extra={"test_report": report})
    if as_json:
        _dump({"recipe": clf.recipe_, "model": str(out) if out else None, "test_report": report})
        return
    stdout = console()
    if report is not None:
        stdout.print(report_table(report, title=f"{clf.recipe_} on {len(y_te)} held-out rows"))
    if out is not None:
        stdout.print(f"saved to {out} (load with unskew.training.load_model)")


@app.command()
@handle_errors
def predict(
    model_dir: Annotated[Path, typer.Argument(help="A folder written by unskew train.")],
    data: Annotated[str, typer.Argument(help="A table file with the training columns.")],
    out: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--out", "-o", help="CSV to write (default or '-': print to stdout)."),
    ] = None,
) -> None:
    """Predict labels and class probabilities for a table with a saved model."""
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
) -> None:
    """Rank unlabelled rows so that labelling effort finds more minority cases."""
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


def _duration(text: str | None) -> float | None:
    """'90', '90s', '10m', '1.5h' -> seconds."""
    from unskew.exceptions import InputError

    if text is None:
        return None
    units = {"s": 1.0, "m": 60.0, "h": 3600.0}
    raw = text.strip().lower()
    scale = units.get(raw[-1:])
    number = raw[:-1] if scale else raw
    try:
        return float(number) * (scale or 1.0)
    except ValueError:
        raise InputError(
            f"--time-budget {text!r} is not a duration; write e.g. 90s, 10m or 1.5h"
        ) from None


@app.command()
@handle_errors
def compare(
    data: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(
            help="Dataset(s): a table file, a built-in (seed, keel:NAME, keel:all, mnist-lt, "
            "digits-lt); several make a suite ranked across datasets.",
            show_default=False,
        ),
    ] = None,
    target: TargetOpt = "auto",
    strategies: Annotated[
        str,
        typer.Option(
            "--strategies", "-s", help="quick, all, or recipes separated by commas/spaces."
        ),
    ] = "quick",
    model: Annotated[str, typer.Option("--model", "-m", help="mlp, cnn, text or auto.")] = "auto",
    cv: Annotated[int, typer.Option(help="Stratified folds (fewer when a class is small).")] = 5,
    repeats: Annotated[
        int, typer.Option(help="Repeats of the folds (or seeds on a test split).")
    ] = 1,
    metric: Annotated[
        str, typer.Option(help="gmean, macro_f1, balanced_accuracy, pr_auc, cost:FN/FP, ...")
    ] = "gmean",
    epochs: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            help="Training epochs per run (default: the classifier's: 30, more on small data)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the folds and the runs.")] = 0,
    time_budget: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--time-budget",
            help="Stop starting runs after this long (90s, 10m, 1h); --resume continues.",
        ),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Runs in parallel.")] = 1,
    backend: Annotated[str, typer.Option(help="loky (this machine) or dask.")] = "loky",
    scheduler: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Dask scheduler address for --backend dask."),
    ] = None,
    out: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--out", "-o", help="Folder for results.sqlite and report.html."),
    ] = None,
    resume: Annotated[bool, typer.Option(help="Continue the runs stored in --out.")] = False,
    force: Annotated[
        bool, typer.Option(help="Start --out afresh even if it holds other results.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the leaderboard as JSON.")] = False,
    wide: Annotated[
        bool,
        typer.Option(
            "--wide", help="Show every metric in the leaderboard (--json and the report have them)."
        ),
    ] = False,
) -> None:
    """Run strategies side by side with honest cross-validation, rank them, and recommend one."""
    import warnings

    from unskew.bench import compare as run_compare
    from unskew.bench import run_suite
    from unskew.cli._render import result_console
    from unskew.exceptions import InputError

    if backend not in ("loky", "dask"):
        raise InputError(f"--backend must be loky or dask, got {backend!r}")
    datasets = list(data or ["seed"])
    if datasets == ["keel:all"] or (len(datasets) == 1 and datasets[0].lower() == "keel:all"):
        from unskew.datasets import keel_names

        datasets = [f"keel:{name}" for name in keel_names()]
    if out is not None:
        from unskew.bench import REPORT_NAME, STORE_NAME
        from unskew.cli._paths import output_folder

        output_folder(out, inputs=datasets, writes=(STORE_NAME, REPORT_NAME))
    options = dict(
        model=model,
        cv=cv,
        repeats=repeats,
        seed=seed,
        metric=metric,
        epochs=epochs,
        time_budget=_duration(time_budget),
        jobs=jobs,
        backend=backend,
        scheduler=scheduler,
        out=out,
        resume=resume,
        force=force,
        progress=not as_json and sys.stderr.isatty(),
    )
    formatwarning = warnings.formatwarning
    warnings.formatwarning = lambda message, *args, **kwargs: f"warning: {message}\n"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            if len(datasets) == 1:
                result = run_compare(datasets[0], target=target, strategies=strategies, **options)
            else:
                result = run_suite(datasets, strategies, target=target, **options)
    finally:
        warnings.formatwarning = formatwarning  # one-line warnings only while comparing
    if len(datasets) > 1 and out is not None:
        from unskew.bench import write_report

        write_report(result)
    if as_json:
        _dump(result.to_json())
        return
    result.show(result_console(result, wide), wide=wide)


@app.command()
@handle_errors
def report(
    directory: Annotated[Path, typer.Argument(help="A folder written by unskew compare --out.")],
    metric: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Rank by this metric (default: the one the comparison used)."),
    ] = None,
) -> None:
    """Re-render the HTML report of a comparison from its stored results."""
    from unskew.bench import rerender

    path = rerender(directory, metric=metric)
    print(f"report: {path}")


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


def main() -> None:
    """Entry point of the ``unskew`` console script."""
    app(prog_name="unskew")
