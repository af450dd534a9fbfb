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

One comparison writes to a folder at a time: a writer holds ``results.sqlite.lock`` (an advisory
``flock``, released by the kernel when the process dies, holding the writer's PID). Another writer
waits up to :data:`LOCK_WAIT` seconds (``UNSKEW_STORE_WAIT`` overrides it), then is refused with one
line naming that PID. A damaged file (not a database, truncated, malformed) is refused with one
line; ``fresh=True`` (``compare --force``) deletes it and starts afresh.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import socket
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from unskew.exceptions import InputError

__all__ = ["LOCK_NAME", "LOCK_WAIT", "STORE_NAME", "FolderLock", "RunRecord", "Store"]

#: File name of the store inside a comparison's output folder.
STORE_NAME = "results.sqlite"
#: File name of the writer's lock beside it.
LOCK_NAME = STORE_NAME + ".lock"
#: Seconds a writer waits for another one (or SQLite waits for another program's lock).
LOCK_WAIT = 10.0

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


def lock_wait() -> float:
    """:data:`LOCK_WAIT`, or the seconds in the ``UNSKEW_STORE_WAIT`` environment variable."""
    try:
        return max(0.0, float(os.environ.get("UNSKEW_STORE_WAIT", LOCK_WAIT)))
    except ValueError:
        return LOCK_WAIT


#: Locks this process holds: path -> [file descriptor, depth] (a lock is re-entrant in a process).
_HELD: dict[str, list[int]] = {}


class FolderLock:
    """The exclusive right to write a comparison's folder: ``folder/results.sqlite.lock``, locked
    with ``flock`` and holding the writer's PID, host and start time. Re-entrant within a process;
    the kernel releases it when the process dies (a stale file is taken over), and the last
    release deletes the file.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with FolderLock(folder):
    ...     (folder / LOCK_NAME).read_text().split()[0] == str(os.getpid())
    True
    >>> (folder / LOCK_NAME).exists()
    False
    """

    def __init__(self, folder: str | os.PathLike[str], wait: float | None = None) -> None:
        self.folder = Path(os.path.realpath(folder))
        self.path = self.folder / LOCK_NAME
        self.wait = lock_wait() if wait is None else float(wait)

    def __enter__(self) -> FolderLock:
        held = _HELD.get(str(self.path))
        if held is not None:
            held[1] += 1
        else:
            _HELD[str(self.path)] = [self._acquire(), 1]
        return self

    def __exit__(self, *exc: object) -> None:
        held = _HELD[str(self.path)]
        held[1] -= 1
        if held[1]:
            return
        del _HELD[str(self.path)]
        if held[0] < 0:
            return
        with contextlib.suppress(OSError):  # still locked: a waiter re-checks the file it locks
            self.path.unlink()
        os.close(held[0])

    def _acquire(self) -> int:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; one writer per folder is on the user
            return -1
        deadline = time.monotonic() + self.wait
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.read(fd, 200).decode(errors="replace").split()
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise InputError(self._busy(holder)) from None
                time.sleep(0.1)
                continue
            if not _same_file(fd, self.path):  # deleted by the last holder meanwhile
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()} {socket.gethostname()} {_now()}\n".encode())
            return fd

    def _busy(self, holder: list[str]) -> str:
        who = "another comparison"
        if len(holder) >= 3:
            who += f" (PID {holder[0]} on {holder[1]}, started {holder[2]})"
        return (
            f"{self.folder} is being written by {who}; waited {self.wait:g} s. Wait for it to "
            "finish (then --resume), or choose another --out folder"
        )


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except OSError:
        return False


def _database_error(path: Path | None, err: sqlite3.DatabaseError, wait: float) -> InputError:
    """One line for a SQLite failure: locked by another program, or a damaged file."""
    text = " ".join(str(err).split())  # SQLite's integrity report spans lines
    if len(text) > 120:
        text = text[:117] + "..."
    if "locked" in text or "busy" in text:
        return InputError(
            f"{path} is locked by another program (waited {wait:g} s); close it, or choose "
            "another --out folder"
        )
    return InputError(
        f"{path} is damaged ({text}); run the comparison with --force (force=True) to start it "
        "afresh, or choose another --out folder"
    )


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a SQLite failure inside a :class:`Store` method into one :class:`InputError` line."""

    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as err:
            raise _database_error(self.path, err, self._wait) from None

    return wrapper


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

    def __init__(
        self, path: str | os.PathLike[str] | None, *, lock: bool = True, fresh: bool = False
    ) -> None:
        self.path = None if path is None else Path(path)
        self._wait = lock_wait()
        self._lock: FolderLock | None = None
        self._con: sqlite3.Connection | None = None
        self._fingerprint: str | None = None
        try:
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if lock:
                    self._lock = FolderLock(self.path.parent).__enter__()
                if fresh:
                    _remove_database(self.path)
            self._connect()
        except BaseException:
            self.close()
            raise

    @_guarded
    def _connect(self) -> None:
        existed = self.path is not None and self.path.is_file() and self.path.stat().st_size > 0
        self._con = sqlite3.connect(
            ":memory:" if self.path is None else str(self.path),
            isolation_level=None,
            timeout=self._wait,
        )
        if existed:
            found = self._con.execute("PRAGMA quick_check").fetchone()[0]
            if found != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {found}")
        if self.path is not None:
            self._con.execute("PRAGMA journal_mode=WAL")
            self._con.execute("PRAGMA synchronous=NORMAL")
        self._con.executescript(_SCHEMA)

    @classmethod
    def open_existing(cls, folder: str | os.PathLike[str]) -> Store:
        """Open ``folder/results.sqlite``, refusing a folder without one."""
        path = Path(folder)
        path = path if path.suffix == ".sqlite" else path / STORE_NAME
        if not path.is_file():
            raise InputError(
                f"{path} does not exist; point at the folder a comparison wrote (its --out)"
            )
        return cls(path, lock=False)

    def close(self) -> None:
        """Close the database and release the folder's lock."""
        if self._con is not None:
            self._con.close()
            self._con = None
        if self._lock is not None:
            self._lock.__exit__(None, None, None)
            self._lock = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- meta --------------------------------------------------------------------------------------
    @_guarded
    def fingerprints(self) -> list[str]:
        """Fingerprints of the datasets stored, in the order they were added."""
        rows = self._con.execute("SELECT fingerprint FROM meta ORDER BY rowid").fetchall()
        return [r[0] for r in rows]

    @_guarded
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

    @_guarded
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

    @_guarded
    def clear(self) -> None:
        """Delete every dataset and run (``force=True``)."""
        with self._con:
            self._con.execute("BEGIN IMMEDIATE")
            self._con.execute("DELETE FROM runs")
            self._con.execute("DELETE FROM meta")

    # -- runs --------------------------------------------------------------------------------------
    @_guarded
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

    @_guarded
    def done(self, fingerprint: str) -> set[tuple[str, int, int]]:
        """Keys ``(recipe, repeat, fold)`` of the runs stored for ``fingerprint``."""
        rows = self._con.execute(
            "SELECT recipe, repeat, fold FROM runs WHERE fingerprint = ?", (fingerprint,)
        ).fetchall()
        return {(r[0], int(r[1]), int(r[2])) for r in rows}

    @_guarded
    def count(self, fingerprint: str | None = None) -> int:
        if fingerprint is None:
            return int(self._con.execute("SELECT COUNT(*) FROM runs").fetchone()[0])
        return int(
            self._con.execute(
                "SELECT COUNT(*) FROM runs WHERE fingerprint = ?", (fingerprint,)
            ).fetchone()[0]
        )

    @_guarded
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


def _remove_database(path: Path) -> None:
    """Delete the store and SQLite's files beside it (``compare --force``)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")
