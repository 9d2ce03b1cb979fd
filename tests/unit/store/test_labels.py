"""Label rules of ingest, and where a CSV or JSONL file goes wrong."""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl
import pytest

from textops.errors import DataError
from textops.store.labels import normalise_labels, null_markers_to_null
from textops.store.raw_formats import check_jsonl, other_delimiter


def frame(labels: Sequence[str | None]) -> pl.DataFrame:
    return pl.DataFrame({"id": [f"f:{i + 1}" for i in range(len(labels))],
                         "text": ["t"] * len(labels), "label": list(labels)})


def test_nan_none_and_null_are_no_label() -> None:
    text = pl.Series(["a", "NaN", " none ", "NULL", None, "Nancy"])
    assert null_markers_to_null(text).to_list() == ["a", None, None, None, None, "Nancy"]
    floats = pl.Series([1.0, math.nan, None])
    assert null_markers_to_null(floats).to_list() == ["1.0", None, None]


def test_consistent_whitespace_is_stripped_silently() -> None:
    out = normalise_labels(frame(["billing ", "billing ", "account"]))
    assert out["label"].to_list() == ["billing", "billing", "account"]


def test_case_and_whitespace_variants_are_named() -> None:
    labels = ["billing"] * 5 + ["Billing", " billing", "account"]
    with pytest.raises(DataError) as info:
        normalise_labels(frame(labels))
    message = str(info.value)
    assert "'billing' (5 rows, e.g. f:1)" in message
    assert "'Billing' (1 row, e.g. f:6)" in message
    assert "' billing' (1 row, e.g. f:7)" in message
    assert "account" not in message
    assert "data.label_normalise=lower" in str(info.value.hint)


def test_lower_merges_the_variants() -> None:
    out = normalise_labels(frame(["Billing", "BILLING ", "billing", None]), mode="lower")
    assert out["label"].to_list() == ["billing", "billing", "billing", None]


def test_empty_labels_are_left_to_validation() -> None:
    out = normalise_labels(frame(["", " ", "a", "b"]))
    assert out["label"].to_list() == ["", "", "a", "b"]


@pytest.mark.parametrize(("header", "expected"), [
    ("text;label", ";"), ("text\tlabel", "\t"), ("text|label", "|"), ("text,label", None),
    ("text,label;x", None), ("text", None),
])
def test_the_delimiter_is_read_from_the_header(header: str, expected: str | None) -> None:
    assert other_delimiter(f"{header}\nrow\n") == expected


def test_jsonl_names_the_broken_line_and_the_non_string_texts() -> None:
    good = '{"text": "hi", "label": "a"}'
    with pytest.raises(DataError, match=r"'x\.jsonl' is not valid JSONL: line 3, column"):
        check_jsonl("x.jsonl", f"{good}\n\n{good[:-3]}\n", text_field="text")
    with pytest.raises(DataError, match=r"in 2 row\(s\): line 2 \(object\), line 3 \(boolean\)"):
        check_jsonl("x.jsonl", f'{good}\n{{"text": {{}}}}\n{{"text": true}}\n{{"text": null}}\n',
                    text_field="text")
    check_jsonl("x.jsonl", f"{good}\n\n{good}\n", text_field="text")
