"""What ``unskew predict`` and ``unskew suggest`` read: a new file or folder, read the way the
model's training data was (``model.json``'s ``"data"``), and refused in one line when it holds
another modality than the model takes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["read_inputs", "training_columns"]

_HOW = {
    "image": "an image folder or an image .npz",
    "text": "a table file with the text column(s) the model was trained on",
    "table": "a table file with the training columns",
}


def read_inputs(
    clf: Any, data: str, *, unlabeled: bool, skip_bad_images: bool, copy: list[str]
) -> tuple[Any, Any]:
    """The features ``clf`` predicts from, and the first columns of the prediction file: ``row``
    (``path`` for an image folder) and the ``copy`` columns of a table (``--id``, ``--keep``)."""
    from unskew.exceptions import InputError

    info = getattr(clf, "data_", None) or {}
    modality = info.get("modality") or "table"
    path = Path(data)
    if not path.exists():
        from unskew.datasets import is_builtin

        if is_builtin(data):
            return _builtin(clf, data, info, modality, copy)
        raise InputError(
            f"{data} not found; give {_HOW[modality]} or a built-in dataset's name "
            "(`unskew datasets` lists them)"
        )
    kind, bundle = _kind_of(path)
    if kind != modality and not (kind == "table" and modality == "text"):  # texts are tables
        raise _refusal(modality, info, data, bundle)
    if bundle is not None or path.is_dir():
        if copy:
            raise InputError(
                f"--id and --keep copy columns of a table; {data} is "
                f"{'an image folder' if path.is_dir() else 'an array file'}: drop them"
            )
        return _images(path, bundle, info, unlabeled=unlabeled, skip_bad_images=skip_bad_images)
    return _table(clf, path, info, modality, copy)


def _kind_of(path: Path) -> tuple[str, Any]:
    """The modality a path holds (an ``.npz`` is read to tell images from a table)."""
    if path.is_dir():
        return "image", None
    if path.suffix.lower() == ".npz" and path.is_file():
        from unskew.datasets import load

        bundle = load(path, None)
        return bundle.modality, (bundle if bundle.modality == "image" else None)
    return "table", None


def _expected(modality: str, info: dict[str, Any]) -> str:
    if modality == "image":
        size = "x".join(map(str, info.get("image_size") or [])) or "of its size"
        channels = {1: "grayscale", 3: "RGB"}.get(info.get("channels") or 0, "")
        return f"images ({size} {channels})".replace(" )", ")")
    if modality == "text":
        columns = ", ".join(f"'{c}'" for c in info.get("text_columns") or []) or "its text column"
        return f"texts (column(s) {columns})"
    return "a table"


def _refusal(modality: str, info: dict[str, Any], data: str, bundle: Any) -> Exception:
    from unskew.exceptions import InputError

    path = Path(data)
    if path.is_dir():
        got = "an image folder"
    elif path.suffix.lower() == ".npz":
        got = "image arrays" if bundle is not None else "a table of arrays"
    else:
        got = "a table file"
    return InputError(
        f"the model was trained on {_expected(modality, info)} but {data} is {got}; give it "
        f"{_HOW[modality]}"
    )


def _builtin(
    clf: Any, name: str, info: dict[str, Any], modality: str, copy: list[str]
) -> tuple[Any, Any]:
    """A built-in dataset's rows (its training split), in its row order; its labels are a
    ``label`` column that ``--keep`` can copy (a KEEL set's class column is ``Class``: the one
    name for every built-in is what ``--help`` and the docs say)."""
    import numpy as np
    import pandas as pd

    from unskew.datasets import load
    from unskew.exceptions import InputError

    bundle = load(name)
    if bundle.modality != modality:
        raise InputError(
            f"the model was trained on {_expected(modality, info)} but {name} is a built-in "
            f"{bundle.modality} dataset; give it {_HOW[modality]}"
        )
    labels = np.asarray(bundle.classes)[bundle.y]  # every built-in is labelled
    if modality == "image":
        if copy and copy != ["label"]:
            raise InputError(
                f"--id and --keep copy columns of a table; {name} is a built-in image dataset, "
                "whose only column to copy is its label (--keep label)"
            )
        X, front = _images(Path(name), bundle, info, unlabeled=False, skip_bad_images=False)
        if copy:
            front["label"] = labels
        return X, front
    frame = pd.DataFrame(bundle.X)
    if "label" not in frame.columns:
        frame["label"] = labels
    return _rows(clf, frame, name, info, modality, copy)


def _images(
    path: Path, bundle: Any, info: dict[str, Any], *, unlabeled: bool, skip_bad_images: bool
) -> tuple[Any, Any]:
    """An image folder (streamed, at the training size and channels) or image arrays brought to
    them."""
    import numpy as np
    import pandas as pd

    size = info.get("image_size")
    size = None if size is None else tuple(size)
    channels = info.get("channels")
    if bundle is None:
        from unskew.datasets import load

        folder = load(
            path,
            None if unlabeled else "auto",
            image_size=size,
            channels=channels,
            skip_bad_images=skip_bad_images,
            unlabeled=unlabeled,
        )
        return folder.X, pd.DataFrame({"path": folder.paths})
    from unskew.training.modality import conform_images

    X = conform_images(bundle.X, size, channels)
    return X, pd.DataFrame({"row": np.arange(len(X))})


def _table(
    clf: Any, path: Path, info: dict[str, Any], modality: str, copy: list[str]
) -> tuple[Any, Any]:
    """A table file parsed with the training columns' kinds: the texts joined as at training, or
    the training columns."""
    from unskew.data import read_frame

    frame = read_frame(path, like=info.get("column_kinds") or None)
    return _rows(clf, frame, str(path), info, modality, copy)


def _rows(
    clf: Any, frame: Any, name: str, info: dict[str, Any], modality: str, copy: list[str]
) -> tuple[Any, Any]:
    """What a table's rows give the model (its text, or its training columns), and the first
    columns of the prediction file (``row`` and the ``copy`` columns)."""
    import numpy as np
    import pandas as pd

    from unskew.data import join_texts
    from unskew.exceptions import InputError

    front = pd.DataFrame({"row": np.arange(len(frame))})
    for column in copy:
        if column not in frame.columns:
            raise InputError(
                f"--id/--keep column '{column}' is not in {name}; its columns: "
                f"{', '.join(map(str, frame.columns[:20]))}"
            )
        if column == "row" or column == "prediction" or str(column).startswith("score_"):
            raise InputError(
                f"--id/--keep column '{column}' has the name of a column the prediction file "
                "writes (row, prediction, score_<class>); rename it in the input"
            )
        front[column] = frame[column].to_numpy()
    if modality == "text":
        columns = list(info.get("text_columns") or [])
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise InputError(
                f"{name} lacks the text column(s) {missing} the model was trained on; give it "
                "those columns"
            )
        return join_texts(frame, columns), front
    return training_columns(clf, frame, name), front


def training_columns(clf: Any, frame: Any, name: str) -> Any:
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
