"""``unskew profile``, ``unskew strategies`` and ``unskew datasets``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from unskew.cli._app import app, dump
from unskew.cli._errors import fail, handle_errors
from unskew.cli._options import (
    DataArg,
    ImageSizeOpt,
    PluginOpt,
    SkipBadImagesOpt,
    TargetOpt,
    TextOpt,
    use_plugins,
)


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
    plugin: PluginOpt = None,
) -> None:
    """The modality (and why), class counts, imbalance ratio, warnings and strategies to try."""
    use_plugins(plugin)
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
        dump(result.to_dict())
        return
    from unskew.cli._render import console, profile_renderable

    out = console()
    out.print(profile_renderable(result))
    if plot is not None:
        out.print(f"[dim]plot written to {plot}[/dim]")


def _check_plot_path(path: Path) -> None:
    if path.is_dir():
        raise fail(
            f"--plot {path} is a folder; give a file name inside it, e.g. {path / 'classes.png'}"
        )
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
    name: Annotated[
        Optional[str],  # noqa: UP045
        typer.Argument(
            help="One strategy to show in full (its paper, every parameter with its default and "
            "values, an example recipe); a pattern such as '*smote*' lists those that match.",
            show_default=False,
        ),
    ] = None,
    stage: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--stage", "-s", help="Only this stage: data, batch, objective, model, decision, meta."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    plugin: PluginOpt = None,
) -> None:
    """Every registered strategy: its stage, what it does, its parameters and its paper."""
    use_plugins(plugin)
    from unskew.registry import get_registry

    registry = get_registry()
    if name is not None and not any(c in name for c in "*?["):
        strategy = registry.get(name)  # an unknown name: one line with the closest one
        if as_json:
            dump(strategy.to_dict())
            return
        from unskew.cli._listings import show_strategy
        from unskew.cli._render import console

        show_strategy(console(), strategy)
        return
    entries = registry.list(name, stage=stage)
    if not entries:
        raise fail(f"no strategy matches '{name}'; `unskew strategies` lists them all")
    if as_json:
        dump([s.to_dict() for s in entries])
        return
    from unskew.cli._listings import StrategyTable
    from unskew.cli._render import fitted_console

    listing = StrategyTable(entries)
    fitted_console(listing.natural_width()).print(listing)


@app.command()
@handle_errors
def datasets(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    with_keel: Annotated[
        bool, typer.Option("--keel/--no-keel", help="Include the 100 KEEL datasets.")
    ] = True,
    plugin: PluginOpt = None,
) -> None:
    """The built-in datasets with their size, classes and imbalance ratio (no network needed)."""
    use_plugins(plugin)
    from unskew.datasets import describe_builtins

    rows = describe_builtins(include_keel=with_keel)
    if as_json:
        dump(rows)
        return
    from unskew.cli._listings import DatasetTable
    from unskew.cli._render import fitted_console

    listing = DatasetTable(rows)
    fitted_console(listing.natural_width()).print(listing)
