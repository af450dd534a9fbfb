"""The experiment store: one SQLite file, one committed row per finished run.

Schema
------
``meta``: one row per dataset of the store: ``fingerprint`` (hash of the features, labels, target
name, ``cv``, ``repeats`` and ``seed``), ``dataset``, ``info`` (JSON: classes, class counts, rows,
modality, the data argument and target), ``options`` (JSON: model, epochs, metric, the recipes,
the environment), ``created``.

``runs``: one row per ``(fingerprint, recipe, repeat, fold)`` (the primary key, so a run can never
be stored twice): ``status`` (ok, error, skipped), ``error``, ``metrics`` and ``per_class`` (JSON),
``predictions`` (a BLOB: NumPy ``.npz`` of the test rows' positions, true and predicted codes and
class probabilities, what curves are drawn from), ``seconds``, ``seed``, ``n_train``, ``n_test``,
``warnings`` (JSON), ``created``.

The file is in WAL mode and every run is committed in its own transaction, so a process killed
mid-grid loses at most the runs in flight.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from unskew.exceptions import InputError

__all__ = ["STORE_NAME", "RunRecord", "Store"]

#: File name of the store inside a comparison's output folder.
STORE_NAME = "results.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    fingerprint TEXT PRIMARY KEY,
    dataset TEXT NOT NULL,
    info TEXT NOT NULL,
    options TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    fingerprint TEXT NOT NULL,
    recipe TEXT NOT NULL,
    repeat INTEGER NOT NULL,
    fold INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'error', 'skipped')),
    error TEXT,
    metrics TEXT,
    per_class TEXT,
    predictions BLOB,
    seconds REAL,
    seed INTEGER,
    n_train INTEGER,
    n_test INTEGER,
    warnings TEXT,
    created TEXT NOT NULL,
    PRIMARY KEY (fingerprint, recipe, repeat, fold)
);
"""


@dataclass
class RunRecord:
    """What one (recipe, repeat, fold) run produced.

    ``predictions`` holds ``index`` (test row positions), ``y_true`` and ``y_pred`` (class codes)
    and ``proba`` (N, C) when the run succeeded.
    """

    recipe: str
    repeat: int
    fold: int
    status: str
    error: str | None = None
    metrics: dict[str, float | None] = field(default_factory=dict)
    per_class: dict[str, list[float]] = field(default_factory=dict)
    predictions: dict[str, np.ndarray] | None = None
    seconds: float = 0.0
    seed: int | None = None
    n_train: int = 0
    n_test: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.recipe, self.repeat, self.fold)


def _pack(predictions: dict[str, np.ndarray] | None) -> bytes | None:
    if predictions is None:
        return None
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **predictions)
    return buffer.getvalue()


def _unpack(blob: bytes | None) -> dict[str, np.ndarray] | None:
    if blob is None:
        return None
    with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


class Store:
    """The SQLite store of a comparison (``DIR/results.sqlite``, or in memory for ``path=None``).

    Examples
    --------
    >>> store = Store(None)
    >>> store.set_meta("abc", "toy", {"classes": [0, 1]}, {"model": "mlp"})
    >>> store.add(RunRecord("cross_entropy", 0, 0, "ok", metrics={"gmean": 0.5}))
    >>> [r.key for r in store.runs("abc")]
    [('cross_entropy', 0, 0)]
    """

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = None if path is None else Path(path)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._con = sqlite3.connect(
            ":memory:" if self.path is None else str(self.path), isolation_level=None, timeout=30
        )
        if self.path is not None:
            self._con.execute("PRAGMA journal_mode=WAL")
            self._con.execute("PRAGMA synchronous=NORMAL")
        self._con.executescript(_SCHEMA)
        self._fingerprint: str | None = None

    @classmethod
    def open_existing(cls, folder: str | os.PathLike[str]) -> Store:
        """Open ``folder/results.sqlite``, refusing a folder without one."""
        path = Path(folder)
        path = path if path.suffix == ".sqlite" else path / STORE_NAME
        if not path.is_file():
            raise InputError(
                f"{path} does not exist; point at the folder a comparison wrote (its --out)"
            )
        return cls(path)

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- meta --------------------------------------------------------------------------------------
    def fingerprints(self) -> list[str]:
        """Fingerprints of the datasets stored, in the order they were added."""
        rows = self._con.execute("SELECT fingerprint FROM meta ORDER BY rowid").fetchall()
        return [r[0] for r in rows]

    def meta(self, fingerprint: str) -> dict[str, Any]:
        row = self._con.execute(
            "SELECT dataset, info, options, created FROM meta WHERE fingerprint = ?",
            (fingerprint,),
        ).fetchone()
        if row is None:
            raise InputError(f"the store holds no dataset with fingerprint {fingerprint}")
        return {
            "fingerprint": fingerprint,
            "dataset": row[0],
            "info": json.loads(row[1]),
            "options": json.loads(row[2]),
            "created": row[3],
        }

    def set_meta(
        self, fingerprint: str, dataset: str, info: dict[str, Any], options: dict[str, Any]
    ) -> None:
        """Record (or update) the dataset ``fingerprint``; later :meth:`add` calls use it."""
        with self._con:
            self._con.execute("BEGIN IMMEDIATE")
            self._con.execute(
                "INSERT INTO meta (fingerprint, dataset, info, options, created) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(fingerprint) DO UPDATE SET "
                "dataset = excluded.dataset, info = excluded.info, options = excluded.options",
                (fingerprint, dataset, json.dumps(info), json.dumps(options), _now()),
            )
        self._fingerprint = fingerprint

    def clear(self) -> None:
        """Delete every dataset and run (``force=True``)."""
        with self._con:
            self._con.execute("BEGIN IMMEDIATE")
            self._con.execute("DELETE FROM runs")
            self._con.execute("DELETE FROM meta")

    # -- runs --------------------------------------------------------------------------------------
    def add(self, record: RunRecord, fingerprint: str | None = None) -> None:
        """Store one finished run in its own transaction. A run already stored is an error: a
        comparison never counts a run twice."""
        fingerprint = fingerprint or self._fingerprint
        if fingerprint is None:
            raise InputError("set_meta(...) must name the dataset before runs are added")
        try:
            with self._con:
                self._con.execute("BEGIN IMMEDIATE")
                self._con.execute(
                    "INSERT INTO runs (fingerprint, recipe, repeat, fold, status, error, metrics, "
                    "per_class, predictions, seconds, seed, n_train, n_test, warnings, created) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        fingerprint,
                        record.recipe,
                        int(record.repeat),
                        int(record.fold),
                        record.status,
                        record.error,
                        json.dumps(record.metrics),
                        json.dumps(record.per_class),
                        _pack(record.predictions),
                        float(record.seconds),
                        record.seed,
                        int(record.n_train),
                        int(record.n_test),
                        json.dumps(record.warnings),
                        _now(),
                    ),
                )
        except sqlite3.IntegrityError:
            raise InputError(
                f"run {record.key} of {fingerprint} is already stored; a run is never stored twice"
            ) from None

    def done(self, fingerprint: str) -> set[tuple[str, int, int]]:
        """Keys ``(recipe, repeat, fold)`` of the runs stored for ``fingerprint``."""
        rows = self._con.execute(
            "SELECT recipe, repeat, fold FROM runs WHERE fingerprint = ?", (fingerprint,)
        ).fetchall()
        return {(r[0], int(r[1]), int(r[2])) for r in rows}

    def count(self, fingerprint: str | None = None) -> int:
        if fingerprint is None:
            return int(self._con.execute("SELECT COUNT(*) FROM runs").fetchone()[0])
        return int(
            self._con.execute(
                "SELECT COUNT(*) FROM runs WHERE fingerprint = ?", (fingerprint,)
            ).fetchone()[0]
        )

    def runs(
        self, fingerprint: str, recipes: Iterable[str] | None = None, *, predictions: bool = True
    ) -> list[RunRecord]:
        """The stored runs of ``fingerprint`` (optionally only ``recipes``), in key order."""
        columns = "recipe, repeat, fold, status, error, metrics, per_class, seconds, seed, "
        columns += "n_train, n_test, warnings, " + ("predictions" if predictions else "NULL")
        rows = self._con.execute(
            f"SELECT {columns} FROM runs WHERE fingerprint = ? ORDER BY recipe, repeat, fold",
            (fingerprint,),
        ).fetchall()
        wanted = None if recipes is None else set(recipes)
        return [
            RunRecord(
                recipe=r[0],
                repeat=int(r[1]),
                fold=int(r[2]),
                status=r[3],
                error=r[4],
                metrics=json.loads(r[5] or "{}"),
                per_class=json.loads(r[6] or "{}"),
                seconds=float(r[7] or 0.0),
                seed=r[8],
                n_train=int(r[9] or 0),
                n_test=int(r[10] or 0),
                warnings=json.loads(r[11] or "[]"),
                predictions=_unpack(r[12]),
            )
            for r in rows
            if wanted is None or r[0] in wanted
        ]
