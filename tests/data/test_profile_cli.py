"""`unskew profile` in a real subprocess: the modality it detected and why, what loading changed,
leaks, and each bad input as one `error:` line, exit 2, nothing written."""

from __future__ import annotations

import json
import os
import threading

import numpy as np
import pandas as pd
import pytest

WORDS = ["late", "parcel", "broken", "refund", "great", "seller", "box", "fast", "never", "kind"]


def _json(result) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_image_folder_profile_says_what_it_read(digit_folder, cli):
    root, _, _ = digit_folder([30, 12, 6])
    (root / "README.md").write_text("digits")
    shown = cli("profile", str(root))
    assert shown.returncode == 0, shown.stderr
    assert "detected image folder: 3 class sub-folders, 48 PNG images (1 other file ignored)" in (
        shown.stdout
    )
    assert shown.stderr == ""  # the loader's warnings are in the profile, not repeated
    report = _json(cli("profile", str(root), "--json"))
    assert report["modality"] == "image" and report["n_features"] == 784
    assert report["detection"].endswith(
        "28x28 grayscale, decoded once and cached in memory (36.8 KiB)"
    )
    assert report["warnings"][0]["kind"] == "other_files"
    assert report["warnings"][0]["details"] == {"files": ["README.md"]}


def _reviews(path, n=60):
    rng = np.random.default_rng(1)
    pd.DataFrame(
        {
            "stars": rng.integers(1, 6, n),
            "review": [" ".join(rng.choice(WORDS, rng.integers(3, 9))) for _ in range(n)],
            "label": ["rare" if i % 6 == 0 else "common" for i in range(n)],
        }
    ).to_csv(path, index=False)


def test_text_table_profile_and_text_none(tmp_path, cli):
    path = tmp_path / "reviews.csv"
    _reviews(path)
    report = _json(cli("profile", str(path), "--json"))
    assert report["modality"] == "text"
    assert report["detection"].startswith(
        "text (comma-separated text): free-text column(s) 'review'"
    )
    assert report["warnings"][0]["kind"] == "dropped_columns"
    table = _json(cli("profile", str(path), "--text", "none", "--json"))
    assert table["modality"] == "table" and table["detection"].endswith("(text='none')")
    (warning,) = [w for w in table["warnings"] if w["kind"] == "free_text_as_category"]
    assert "one-hot encoded" in warning["message"] and "--text review" in warning["message"]
    named = _json(cli("profile", str(path), "--text", "review", "--json"))
    assert named["modality"] == "text" and "named by text=" in named["detection"]


def test_semicolon_decimal_comma_csv_and_a_saved_index(tmp_path, cli):
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"amount": rng.normal(size=40).round(3), "label": ["a"] * 30 + ["b"] * 10})
    path = tmp_path / "euro.csv"
    frame.to_csv(path, sep=";", decimal=",")  # with its index: a leading 0..39 column
    report = _json(cli("profile", str(path), "--json"))
    assert report["n_features"] == 2  # the index column and amount, not one 'a;b;c' column
    assert report["detection"].startswith("table (semicolon-separated text)")
    kinds = {w["kind"]: w["message"] for w in report["warnings"]}
    assert "decimal comma" in kinds["decimal_comma"]
    assert "saved row index" in kinds["leak"] and "--allow-leak" in kinds["leak"]
    shown = cli("profile", str(path))
    assert "saved row index" in shown.stdout


def test_a_fifo_is_profiled(tmp_path, cli):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    payload = "x,label\n" + "".join(f"{i % 7},{'p' if i % 5 == 0 else 'n'}\n" for i in range(50))

    def write() -> None:
        with open(fifo, "w") as handle:
            handle.write(payload)

    writer = threading.Thread(target=write)
    writer.start()
    report = _json(cli("profile", str(fifo), "--json"))
    writer.join(timeout=10)
    assert report["n_samples"] == 50 and [c["count"] for c in report["classes"]] == [40, 10]


def test_skip_bad_images(digit_folder, cli):
    root, _, _ = digit_folder([5, 5])
    (root / "1" / "bad.png").write_bytes(b"\x89PNG broken")
    report = _json(cli("profile", str(root), "--skip-bad-images", "--json"))
    assert report["n_samples"] == 10
    assert report["warnings"][0]["message"].startswith("skipped 1 unreadable image(s)")
    assert report["warnings"][0]["details"] == {"files": ["1/bad.png"]}


def _dup_header(tmp, digit_folder):
    (tmp / "dup.csv").write_text("a,b,label,label\n1,2,x,x\n3,4,y,y\n")
    return [str(tmp / "dup.csv")], ["repeats column name(s) 'label'"]


def _continuous(tmp, digit_folder):
    pd.DataFrame({"a": range(8), "label": [0.5, 1.5] * 4}).to_csv(tmp / "c.csv", index=False)
    return [str(tmp / "c.csv")], ["continuous values", "bin the target"]


def _huge(tmp, digit_folder):
    (tmp / "h.csv").write_text("a,label\n1e308,x\n2,y\n")
    return [str(tmp / "h.csv")], ["'a' (up to 1e+308)", "rescale"]


def _corrupt_image(tmp, digit_folder):
    root, _, _ = digit_folder([4, 4])
    (root / "0" / "zz.png").write_bytes(b"GIF89a nope")
    return [str(root)], ["cannot read image 0/zz.png", "--skip-bad-images"]


def _single_class(tmp, digit_folder):
    root, _, _ = digit_folder([4])
    return [str(root)], ["single class sub-folder '0'"]


def _empty_class(tmp, digit_folder):
    root, _, _ = digit_folder([4, 4])
    (root / "7").mkdir()
    return [str(root)], ["class folder(s) '7'", "hold no images"]


def _empty_text(tmp, digit_folder):
    pd.DataFrame({"review": [None] * 4, "label": [0, 1, 0, 1]}).to_csv(tmp / "t.csv", index=False)
    return [str(tmp / "t.csv"), "--text", "review"], ["'review'", "empty in every row"]


def _bad_image_size(tmp, digit_folder):
    root, _, _ = digit_folder([3, 3])
    return [str(root), "--image-size", "0"], ["--image-size", "got '0'"]


BAD = {
    "duplicate header": _dup_header,
    "continuous labels": _continuous,
    "huge values": _huge,
    "corrupt image": _corrupt_image,
    "single class folder": _single_class,
    "empty class folder": _empty_class,
    "empty text column": _empty_text,
    "bad image size": _bad_image_size,
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_one_error_line_and_writes_nothing(tmp_path, cli, digit_folder, case):
    make = BAD[case]
    work = tmp_path / "work"
    work.mkdir()
    args, fragments = make(work, digit_folder)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = cli("profile", *args, "--plot", str(work / "chart.png"))
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
