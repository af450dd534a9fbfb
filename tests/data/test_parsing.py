"""Parsing real files: separators, decimal commas, missing-value tokens, repeated headers, FIFOs,
huge values, labels (whitespace, continuous, repeated classes), and prediction files parsed like
the training file."""

from __future__ import annotations

import os
import threading
import warnings

import numpy as np
import pandas as pd
import pytest

from unskew.data import column_kinds, load_table, read_frame, sniff_separator
from unskew.datasets import load
from unskew.exceptions import InputError


@pytest.fixture
def clean() -> pd.DataFrame:
    """Numbers with a few gaps, a category and a label."""
    rng = np.random.default_rng(3)
    n = 120
    amount = rng.normal(50, 10, n).round(3)
    amount[[5, 40, 77]] = np.nan
    return pd.DataFrame(
        {
            "amount": amount,
            "rate": rng.random(n).round(4),
            "count": rng.integers(0, 9, n),
            "city": rng.choice(["paris", "lyon"], n),
            "label": np.where(np.arange(n) % 8 == 0, "fraud", "ok"),
        }
    )


def _quiet_read(path, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return read_frame(path, **kwargs)


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"], ids=["comma", "semicolon", "tab", "pipe"])
def test_separator_is_sniffed_whatever_the_extension(tmp_path, clean, sep):
    path = tmp_path / "data.csv"
    clean.to_csv(path, sep=sep, index=False)
    pd.testing.assert_frame_equal(read_frame(path), pd.read_csv(tmp_path / "data.csv", sep=sep))
    data = load_table(path)
    assert data.feature_names == ["amount", "rate", "count", "city"]
    assert data.class_counts.tolist() == [15, 105]


def test_sniffing_rule():
    assert sniff_separator('a|b|"x,y"\n1|2|"3,4"\n') == "|"
    assert sniff_separator("a\tb\tc,d\n1\t2\t3,5\n") == "\t"
    assert sniff_separator("only\n1\n2\n", default="\t") == "\t"


def test_decimal_comma_and_question_marks_parse_like_the_clean_file(tmp_path, clean):
    clean.to_csv(tmp_path / "clean.csv", index=False)
    clean.to_csv(tmp_path / "comma.csv", index=False, sep=";", decimal=",")
    clean.to_csv(tmp_path / "question.csv", index=False, na_rep="?")
    expected = read_frame(tmp_path / "clean.csv")
    with pytest.warns(UserWarning) as record:
        comma = read_frame(tmp_path / "comma.csv")
    assert [str(w.message) for w in record] == [
        f"column 'amount' of {tmp_path / 'comma.csv'}: read with a decimal comma (0,5 -> 0.5)",
        f"column 'rate' of {tmp_path / 'comma.csv'}: read with a decimal comma (0,5 -> 0.5)",
    ]
    with pytest.warns(
        UserWarning, match=r"'amount' .*: 3 non-numeric value\(s\) read as missing \('\?' x3\)"
    ):
        question = read_frame(tmp_path / "question.csv")
    pd.testing.assert_frame_equal(comma, expected)
    pd.testing.assert_frame_equal(question, expected)
    assert load_table(tmp_path / "question.csv").categorical == ["city"]  # amount stays numeric


def test_tokens_are_counted_and_too_many_keep_a_column_categorical(tmp_path):
    n = 100
    few = [str(v) for v in range(n)]
    few[3], few[9], few[50], few[60] = "?", "?", "-", "n/a"  # n/a is missing for any reader
    many = [str(v) for v in range(n)]
    for i in range(0, n, 5):
        many[i] = "unknown"
    pd.DataFrame({"few": few, "many": many, "label": [0, 1] * 50}).to_csv(
        tmp_path / "t.csv", index=False
    )
    with pytest.warns(UserWarning) as record:
        data = load_table(tmp_path / "t.csv")
    messages = sorted(str(w.message) for w in record)
    assert "3 non-numeric value(s) read as missing ('?' x2, '-' x1)" in messages[0]
    assert (
        "'many'" in messages[1]
        and "80% numbers but 20 value(s) are not ('unknown' x20)" in (messages[1])
    )
    assert "read as categorical" in messages[1]
    assert data.X["few"].dtype == np.float64 and data.X["few"].isna().sum() == 4
    assert data.categorical == ["many"]


def test_repeated_header_names_are_refused(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("a,b,label,label\n1,2,x,x\n3,4,y,y\n")
    with pytest.raises(InputError, match=r"repeats column name\(s\) 'label' \(columns 3, 4\)"):
        load_table(path)
    with pytest.raises(InputError, match="label.1"):
        read_frame(path)
    frame = pd.DataFrame([[1, 2, "x"]], columns=["a", "a", "label"])
    with pytest.raises(InputError, match="the DataFrame repeats column name"):
        load_table(frame)


def test_a_fifo_is_read_in_full(tmp_path, clean):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    fifo = tmp_path / "stream.csv"
    os.mkfifo(fifo)
    payload = clean.to_csv(index=False, sep=";").encode()

    def write() -> None:
        with open(fifo, "wb") as handle:
            handle.write(payload)

    writer = threading.Thread(target=write)
    writer.start()
    data = load_table(fifo)
    writer.join(timeout=10)
    assert data.n_samples == 120 and data.feature_names == ["amount", "rate", "count", "city"]


def test_huge_values_are_named_not_called_infinite(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("a,b,label\n1e308,1,x\n-2.5e200,2,y\n5,3,x\n")
    with pytest.raises(InputError) as info:
        load_table(path)
    message = str(info.value)
    assert "'a' (up to 1e+308)" in message and "infinite" not in message
    assert "rescale" in message
    path.write_text("a,b,label\n1e100,1,x\n-2.5e100,2,y\n5,3,x\n")
    assert load_table(path).X["a"].max() == 1e100
    path.write_text("a,b,label\ninf,1,x\n2,2,y\n5,3,x\n")
    with pytest.raises(InputError, match="infinite values in column"):
        load_table(path)


def test_labels_differing_by_whitespace_are_merged_with_a_warning(tmp_path):
    path = tmp_path / "ws.csv"
    path.write_text("a,label\n1,pos\n2,pos \n3,neg\n4, neg\n5,neg\n")
    with pytest.warns(UserWarning) as record:
        data = load_table(path)
    (message,) = [str(w.message) for w in record]
    assert "differ only by surrounding whitespace are merged" in message
    assert "'pos' and 'pos ' -> 'pos'" in message and "2 row(s) changed" in message
    assert data.classes.tolist() == ["neg", "pos"] and data.class_counts.tolist() == [3, 2]


@pytest.mark.parametrize(
    "labels", [[0.5, 1.5] * 5, list(np.linspace(0, 1, 10))], ids=["two", "many"]
)
def test_continuous_labels_are_refused_with_the_fix(tmp_path, labels):
    path = tmp_path / "reg.csv"
    pd.DataFrame({"a": range(10), "y": labels}).to_csv(path, index=False)
    with pytest.raises(InputError, match="holds continuous values .* bin the target"):
        load_table(path)


def test_repeated_classes_are_refused():
    with pytest.raises(InputError, match=r"classes lists '1' more than once \('0', '1', '1'\)"):
        load_table(np.zeros((3, 1)), [0, 1, 1], classes=[0, 1, 1])


# -- prediction files ------------------------------------------------------------------------------
def test_prediction_file_takes_the_training_kinds(tmp_path, clean):
    train = load_table(clean.assign(zip=lambda f: np.where(f["city"] == "paris", "75001", "A69")))
    kinds = column_kinds(train)
    assert kinds == {
        "amount": "numeric",
        "rate": "numeric",
        "count": "numeric",
        "city": "string",
        "zip": "string",
    }
    path = tmp_path / "new.csv"  # 2 rows: one '?' is 50% of the column, still numbers
    path.write_text("amount;rate;count;city;zip\n?;0,25;3;lyon;75001\n12,5;-;4;paris;75001\n")
    with pytest.warns(UserWarning) as record:
        frame = read_frame(path, like=kinds)
    assert frame["amount"].tolist()[1] == 12.5 and np.isnan(frame["amount"][0])
    assert frame["rate"].tolist()[0] == 0.25 and np.isnan(frame["rate"][1])
    assert frame["zip"].tolist() == ["75001", "75001"]  # digits, but a string column in training
    assert any("'-' x1" in str(w.message) for w in record)
    pd.testing.assert_frame_equal(_quiet_read(path, like=train), _quiet_read(path, like=kinds))
    path.write_text("amount,rate,count,city,zip\nabc,0.1,1,lyon,A69\nxyz,0.2,2,lyon,A69\n")
    with pytest.raises(InputError, match="'amount' of .* was numeric in training but holds no"):
        read_frame(path, like=kinds)
    with pytest.raises(InputError, match="unknown column kind"):
        read_frame(path, like={"amount": "float"})


def test_messy_prediction_files_give_the_clean_predictions(tmp_path, clean, one_thread):
    from unskew.training import ImbalancedClassifier

    data = load_table(clean)
    clf = ImbalancedClassifier("mlp", epochs=3, validation=None, random_state=0)
    clf.fit(data.X, data.labels())
    rows = clean.drop(columns="label").iloc[:40]
    rows.to_csv(tmp_path / "clean.csv", index=False)
    rows.to_csv(tmp_path / "comma.csv", index=False, sep=";", decimal=",")
    rows.to_csv(tmp_path / "question.csv", index=False, na_rep="?")
    kinds = column_kinds(data)
    outputs = [
        clf.predict_proba(_quiet_read(tmp_path / name, like=kinds))
        for name in ("clean.csv", "comma.csv", "question.csv")
    ]
    np.testing.assert_array_equal(outputs[0], outputs[1])
    np.testing.assert_array_equal(outputs[0], outputs[2])


def test_load_dispatches_files_with_the_same_parsing(tmp_path, clean):
    clean.to_csv(tmp_path / "comma.csv", index=False, sep=";", decimal=",")
    with pytest.warns(UserWarning, match="decimal comma"):
        bundle = load(tmp_path / "comma.csv")
    assert bundle.modality == "table" and bundle.categorical == ["city"]
    assert bundle.detection.startswith("table (semicolon-separated text): 4 feature column(s)")
