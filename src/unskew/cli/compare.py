"""``unskew compare`` and ``unskew report``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from unskew._files import COMPARE_OUT, DATASET
from unskew.cli._app import app, dump
from unskew.cli._checks import (
    AllowLeakOpt,
    check_cli_options,
    exit_failed,
    first_failure,
)
from unskew.cli._errors import handle_errors
from unskew.cli._options import (
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
        seconds = float(number) * (scale or 1.0)
    except ValueError:
        raise InputError(
            f"--time-budget {text!r} is not a duration; write e.g. 90s, 10m or 1.5h"
        ) from None
    check_cli_options(time_budget=seconds)
    return seconds


@app.command()
@handle_errors
def compare(
    data: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(
            help="Dataset(s): a table file (free-text columns are read as texts), an image folder "
            "(one sub-folder per class), an image .npz, a built-in (seed, keel:NAME, keel:all, "
            "mnist-lt, digits-lt); several make a suite ranked across datasets.",
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
    model: ModelOpt = "auto",
    cv: Annotated[int, typer.Option(help="Stratified folds (fewer when a class is small).")] = 5,
    repeats: Annotated[
        int, typer.Option(help="Repeats of the folds (or seeds on a test split).")
    ] = 1,
    metric: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            help="gmean, macro_f1, balanced_accuracy, pr_auc, cost:FN/FP, ... Default: gmean for "
            "two classes, balanced_accuracy for more.",
            show_default=False,
        ),
    ] = None,
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
    jobs: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            "--jobs",
            "-j",
            help="Runs in parallel, each on one thread. Default: the number of cores (with "
            "--backend dask: the cluster's workers).",
            show_default=False,
        ),
    ] = None,
    backend: Annotated[str, typer.Option(help="loky (this machine) or dask.")] = "loky",
    scheduler: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Dask scheduler address for --backend dask."),
    ] = None,
    out: Annotated[
        str,
        typer.Option(
            "--out",
            "-o",
            help="Folder for results.sqlite and report.html; <dataset> is the dataset's name. "
            "The same command again resumes it; other options go to runs/<dataset>-2, -3, ...",
        ),
    ] = COMPARE_OUT,
    resume: Annotated[
        bool,
        typer.Option(help="Continue --out even if asked with other strategies (adds them)."),
    ] = False,
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
    text: TextOpt = None,
    image_size: ImageSizeOpt = None,
    skip_bad_images: SkipBadImagesOpt = False,
    pretrained: PretrainedOpt = None,
    device: DeviceOpt = "auto",
    precision: PrecisionOpt = "32",
    plugin: PluginOpt = None,
    race: Annotated[
        bool,
        typer.Option(
            "--race/--no-race",
            help="Stop a recipe once it is significantly worse than the leader (from fold 3 on). "
            "Off by default: --no-race runs every fold.",
        ),
    ] = False,
    rule: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            help="How to recommend: best_mean, one_se (ties by ROC AUC), cheapest_one_se, or "
            "stack_top_k[:K] (a stack of the K best, default 3). Default: stack_top_k for "
            "tables, best_mean for images and texts.",
            show_default=False,
        ),
    ] = None,
    allow_leak: AllowLeakOpt = False,
) -> None:
    """Run strategies side by side with honest cross-validation, rank them, and recommend one."""
    check_cli_options(cv=cv, repeats=repeats, epochs=epochs, seed=seed, jobs=jobs)
    seconds = _duration(time_budget)
    use_plugins(plugin)
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
    from unskew.bench import REPORT_NAME, STORE_NAME
    from unskew.cli._paths import output_folder

    # a <dataset> folder is named after loading; its parent is checked now, before any work
    checked = Path(out).parent if DATASET in out else Path(out)
    writes = () if DATASET in out else (STORE_NAME, REPORT_NAME)
    output_folder(checked, inputs=datasets, writes=writes)
    if jobs is None:  # every core here; on a Dask cluster, every worker of the cluster
        from unskew.bench._defaults import default_jobs

        jobs = -1 if backend == "dask" else default_jobs()
    check_runtime(device, precision, pretrained)
    params: dict[str, object] = {}  # only what differs from the classifier's defaults
    if device != "auto":
        params["device"] = device
    if precision != "32":
        params["precision"] = precision
    if pretrained is not None:
        params["pretrained"] = str(pretrained.resolve())
    options = dict(
        model=model,
        cv=cv,
        repeats=repeats,
        random_state=seed,
        metric=metric,
        epochs=epochs,
        time_budget=seconds,
        jobs=jobs,
        backend=backend,
        scheduler=scheduler,
        out=out,
        resume=resume,
        force=force,
        progress=not as_json and sys.stderr.isatty(),
        race=race,
        rule=rule,
        allow_leak=allow_leak,
        say=lambda line: typer.echo(line, err=True),
        params=params,
        data_options={"text": text, "image_size": image_size, "skip_bad_images": skip_bad_images},
    )
    formatwarning = warnings.formatwarning
    warnings.formatwarning = lambda message, *args, **kwargs: f"warning: {message}\n"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            if len(datasets) == 1:
                result = run_compare(datasets[0], target=target, recipes=strategies, **options)
            else:
                result = run_suite(datasets, strategies, target=target, **options)
    finally:
        warnings.formatwarning = formatwarning  # one-line warnings only while comparing
    if len(datasets) > 1 and result.out is not None:
        from unskew.bench import write_report

        write_report(result)
    if as_json:
        dump(result.to_json())
    else:
        result.show(result_console(result, wide), wide=wide)
    if (failure := first_failure(result)) is not None:
        raise exit_failed(failure)


@app.command()
@handle_errors
def report(
    directory: Annotated[Path, typer.Argument(help="A folder written by unskew compare --out.")],
    metric: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Rank by this metric (default: the one the comparison used)."),
    ] = None,
    plugin: PluginOpt = None,
) -> None:
    """Re-render the HTML report of a comparison from its stored results."""
    use_plugins(plugin)
    from unskew.bench import rerender

    path = rerender(directory, metric=metric)
    print(f"report: {path}")
