"""Reading a table file: checks, the separator sniffed, duplicate headers refused, numbers repaired."""

from __future__ import annotations

import csv
import io
import os
import stat
import warnings
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import pandas as pd

from unskew.data._bundle import DataWarning
from unskew.data._numbers import apply_kinds, repair_numbers
from unskew.exceptions import InputError

__all__ = ["FORMATS", "SEPARATORS", "read_frame", "sniff_separator"]

_COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".zip": "zip", ".xz": "xz", ".zst": "zstd"}
_TEXT_FORMATS = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
_PARQUET = {".parquet", ".pq"}
#: Separators tried when sniffing a delimited text file, in order of preference on a tie.
SEPARATORS = (",", ";", "\t", "|")
#: Bytes of (decompressed) text read to sniff the separator and the header.
SNIFF_BYTES = 64 * 1024
_SNIFF_ROWS = 50
FORMATS = (
    "CSV (.csv), TSV (.tsv/.tab), optionally compressed (.gz/.bz2/.zip/.xz/.zst), Parquet (.parquet/.pq), "
    "NumPy (.npz), KEEL (.dat)"
)
_SEP_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def suffix(path: Path) -> str:
    """The format suffix of ``path``, looking through a compression suffix (``a.csv.gz`` -> .csv)."""
    suffixes = [s.lower() for s in path.suffixes]
    if len(suffixes) >= 2 and suffixes[-1] in _COMPRESSIONS:
        return suffixes[-2]
    return suffixes[-1] if suffixes else ""


def _compression(path: Path) -> str | None:
    return _COMPRESSIONS.get(path.suffix.lower())


def check_file(path: Path) -> bytes | None:
    """Refuse a missing, unreadable or empty file. A FIFO or other non-regular file (a pipe, a
    process substitution) is read here once, in full, and its bytes returned; None for a regular
    file, which readers open themselves."""
    if not path.exists():
        raise InputError(
            f"file not found: {path}; check the path (relative paths start at {Path.cwd()})"
        )
    if path.is_dir():
        raise InputError(
            f"{path} is a folder, not a file; pass a table file, or a folder of images with one "
            "sub-folder per class"
        )
    if not os.access(path, os.R_OK):
        raise InputError(f"cannot read {path}: permission denied; check the file's permissions")
    if stat.S_ISREG(path.stat().st_mode):
        if path.stat().st_size == 0:
            raise InputError(
                f"{path} is empty (0 bytes); export the data again or pass another file"
            )
        return None
    try:
        with open(path, "rb") as handle:  # a FIFO has no size: read what its writer sends
            data = handle.read()
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}; check the file") from None
    if not data:
        raise InputError(f"{path} sent no data (0 bytes); check what writes to it")
    return data


def _open_binary(path: Path, data: bytes | None) -> IO[bytes]:
    raw: IO[bytes] = io.BytesIO(data) if data is not None else open(path, "rb")  # noqa: SIM115
    kind = _compression(path)
    if kind == "gzip":
        import gzip

        return gzip.GzipFile(fileobj=raw)
    if kind == "bz2":
        import bz2

        return bz2.BZ2File(raw)
    if kind == "xz":
        import lzma

        return lzma.LZMAFile(raw)
    if kind == "zip":
        import zipfile

        archive = zipfile.ZipFile(raw)
        names = [n for n in archive.namelist() if not n.endswith("/")]
        if len(names) != 1:
            raise InputError(
                f"{path} holds {len(names)} files; a zipped table must hold exactly one"
            )
        return archive.open(names[0])
    if kind == "zstd":
        try:
            import zstandard
        except ImportError:
            raise InputError(
                f"reading {path} needs the zstandard package: pip install zstandard"
            ) from None
        return zstandard.ZstdDecompressor().stream_reader(raw)
    return raw


def _head(path: Path, data: bytes | None) -> tuple[str, bool]:
    """The first SNIFF_BYTES of decompressed text, and whether the file is longer."""
    try:
        with _open_binary(path, data) as handle:
            raw = handle.read(SNIFF_BYTES + 1)
    except InputError:
        raise
    except Exception as err:  # a corrupt archive: say so in one line
        raise InputError(
            f"cannot read {path}: {type(err).__name__}: {str(err)[:120]}; check that the file is "
            "complete"
        ) from None
    more = len(raw) > SNIFF_BYTES
    return raw[:SNIFF_BYTES].decode("utf-8-sig", errors="replace"), more


def _records(text: str, sep: str, more: bool) -> list[list[str]]:
    if more:  # the last line was cut by the byte limit
        text = text[: text.rfind("\n") + 1] if "\n" in text else text
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                rows.append(row)
            if len(rows) >= _SNIFF_ROWS:
                break
    except csv.Error:
        pass
    return rows


def sniff_separator(text: str, default: str = ",", *, more: bool = False) -> str:
    """The field separator of a delimited text, chosen among comma, semicolon, tab and pipe.

    Rule: each candidate splits the first 50 non-blank records (quotes respected); a candidate
    counts only if it splits the header into two fields or more. The winner has the largest share
    of records with as many fields as the header, then the most header fields, then comes first
    (``default``, then the order comma, semicolon, tab, pipe). A single-column text keeps
    ``default``.

    Examples
    --------
    >>> sniff_separator("a;b;label\\n0,5;1;x\\n2,25;3;y\\n")
    ';'
    >>> sniff_separator("a,b\\n1,2\\n")
    ','
    """
    order = [default, *(s for s in SEPARATORS if s != default)]
    best, best_key = default, (-1.0, 0)
    for sep in order:
        rows = _records(text, sep, more)
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        key = (sum(len(r) == width for r in rows) / len(rows), width)
        if key > best_key:
            best, best_key = sep, key
    return best


def _check_header(header: list[str], path: Path) -> None:
    names = list(header)
    repeated = [name for name, n in Counter(names).items() if n > 1 and name.strip()]
    if repeated:
        where = "; ".join(
            f"'{name}' (columns {', '.join(str(i + 1) for i, h in enumerate(names) if h == name)})"
            for name in repeated
        )
        raise InputError(
            f"{path} repeats column name(s) {where}; rename them so that each column has its own "
            "name (a reader would silently rename the copy, e.g. to 'label.1', and use it)"
        )


def _read_text_table(path: Path, data: bytes | None, default_sep: str) -> tuple[pd.DataFrame, str]:
    head, more = _head(path, data)
    sep = sniff_separator(head, default_sep, more=more)
    rows = _records(head, sep, more)
    if rows:
        _check_header(rows[0], path)
    source: Any = io.BytesIO(data) if data is not None else path
    # pandas' C engine: measured as fast as the pyarrow engine on 2 cores for a 1M x 20 CSV
    # (benchmarks/bench_profile.py) and more forgiving about quoting and encodings.
    try:
        frame = pd.read_csv(source, sep=sep, low_memory=False, compression=_compression(path))
    except pd.errors.EmptyDataError:
        raise InputError(f"{path} holds no table (no header row); check the file") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as err:
        lines = str(err).strip().splitlines()
        detail = lines[-1] if lines else type(err).__name__
        kind = {"\t": "TSV"}.get(sep, f"{_SEP_NAMES[sep]}-separated text")
        raise InputError(
            f"cannot read {path} as {kind}: {detail}; check that it is a delimited text table "
            "with one header row"
        ) from None
    return frame, sep


def _read_parquet(path: Path, data: bytes | None) -> pd.DataFrame:
    try:
        return pd.read_parquet(io.BytesIO(data) if data is not None else path)
    except Exception as err:
        raise InputError(
            f"cannot read {path} as Parquet ({type(err).__name__}: {str(err)[:120]}); "
            "check that the file is a complete Parquet file"
        ) from None


def read_table_file(path: Path) -> tuple[pd.DataFrame, list[DataWarning], str]:
    """Read a table file: the frame, what reading changed (notes, not yet issued as warnings), and
    a short description of how it was read (format and separator)."""
    data = check_file(path)
    fmt = suffix(path)
    notes: list[DataWarning] = []
    if fmt in _TEXT_FORMATS:
        frame, sep = _read_text_table(path, data, _TEXT_FORMATS[fmt])
        check_columns(frame, path)
        frame, notes = repair_numbers(frame, str(path))
        how = f"{_SEP_NAMES[sep]}-separated text"
    elif fmt in _PARQUET:
        frame, how = _read_parquet(path, data), "Parquet"
    elif fmt == ".dat":
        from unskew.data._keel_format import read_keel

        if data is not None:
            raise InputError(f"{path}: KEEL .dat files must be regular files, not pipes")
        frame, _, _ = read_keel(path)
        how = "KEEL .dat"
    else:
        raise InputError(
            f"unknown format '{fmt or '(no extension)'}' for {path}; supported: {FORMATS}"
        )
    check_columns(frame, path)
    if len(frame) == 0:
        raise InputError(f"{path} has a header but no data rows; check the export")
    return frame, notes, how


def check_columns(frame: pd.DataFrame, path: Path | str) -> None:
    if frame.shape[1] == 0:
        raise InputError(f"{path} has no columns; check the file")
    names = [str(c) for c in frame.columns]
    if len(set(names)) < len(names):
        _check_header(names, Path(str(path)))


def read_frame(
    path: str | os.PathLike[str], like: Mapping[str, str] | Any | None = None
) -> pd.DataFrame:
    """Read a table file into a DataFrame, as :func:`~unskew.data.load_table` reads it.

    Rules, in order:

    * the reader comes from the extension (CSV/TSV, optionally compressed, Parquet, KEEL ``.dat``);
      a FIFO (a pipe) is read in full first;
    * in CSV/TSV text the separator is sniffed among comma, semicolon, tab and pipe
      (:func:`sniff_separator`); a header that repeats a column name is refused, naming it;
    * text columns that are numbers are made numeric (:func:`~unskew.data.repair_numbers`): a
      decimal comma (``0,125``) is read as 0.125; a few non-numeric tokens (``?``, ``-``, at most 5%
      of the values) become missing, with their counts in a warning;
    * with ``like`` (the training columns' kinds, from :func:`~unskew.data.column_kinds`), each
      column gets its training kind: a numeric column is read as numbers whatever the file's
      share of odd tokens (tokens become missing, with a warning; a column with no number at all
      is refused), a categorical column keeps its values as text. This is how a prediction file
      is parsed exactly as the training file was.

    Raises :class:`~unskew.exceptions.InputError` for a missing, empty, unreadable or unknown file
    and repeated column names. What reading changed is issued as one ``UserWarning`` per column.

    Parameters
    ----------
    path : path
    like : mapping of column -> {"numeric", "categorical", "text"}, DataBundle or DataFrame, optional
        The training columns' kinds (a DataBundle or DataFrame gives them via
        :func:`~unskew.data.column_kinds`). Columns not named are left as read.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("a;b;label\\n0,5;1;x\\n2,25;2;y\\n")
    >>> read_frame(p)["a"].tolist()
    [0.5, 2.25]
    """
    path = Path(path)
    frame, notes, _ = read_table_file(path)
    if like is not None:
        frame, more = apply_kinds(frame, like, str(path))
        notes += more
    for note in notes:
        warnings.warn(note.message, UserWarning, stacklevel=2)
    return frame
