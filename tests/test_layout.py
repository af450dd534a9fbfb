"""Breaking text to a width (unskew._layout): nothing lost, no line wider than the width, and a
line ends only where the text may break when the pieces fit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from unskew._layout import break_lines, table_width

WORDS = (r"(?<= )", r"(?<=/)")
ITEMS = (r"(?<=, )(?=[a-z_]+=)", r"(?<==)")

texts = st.text(alphabet="ab /", min_size=0, max_size=60)
widths = st.integers(min_value=1, max_value=30)


@given(texts, widths)
def test_lines_give_the_text_back_within_the_width(text, width):
    lines = break_lines(text, width, WORDS)
    assert "".join(lines) == text
    assert all(len(line.rstrip(" ")) <= width for line in lines)


@given(texts, widths)
def test_lines_end_between_words_when_every_word_fits(text, width):
    if any(len(word) > width for word in text.split()):
        return
    lines = break_lines(text, width, WORDS)
    assert all(line.endswith(" ") for line in lines[:-1])


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["k", "gamma", "sampling_strategy"]), st.text("x1, ", max_size=9)
        ),
        min_size=1,
        max_size=6,
    ),
    widths,
)
def test_parameters_break_between_whole_items(items, width):
    text = ", ".join(f"{key}={value}" for key, value in items)
    lines = break_lines(text, width, ITEMS)
    assert "".join(lines) == text
    if all(len(f"{k}={v},") <= width for k, v in items):
        # each line is whole items: it starts with a key (the first one does anyway)
        assert all(line.split("=")[0] in ("k", "gamma", "sampling_strategy") for line in lines)


def test_table_width_counts_padding_and_rules():
    assert table_width([4, 5, 6]) == 15 + 3 * 3 - 1
