"""Hard checks: each can fail, and their errors name dataset, check, counts and ids."""

from __future__ import annotations

import polars as pl
import pytest

from textops.errors import ValidationError
from textops.quality.baseline import parse_baseline, render_baseline_yaml
from textops.quality.checks import (
    check_dataset,
    check_parts,
    dtype_kind,
    findings_rows,
    raise_for_findings,
    run_hard_checks,
)
from textops.quality.profile import profile_from_stats
from textops.text.stats import compute_doc_stats

from ._data import corpus, small_frame


@pytest.fixture(scope="module")
def baseline():
    frame = small_frame(30)
    profile = profile_from_stats("train", compute_doc_stats(frame), schema=frame.schema)
    return parse_baseline(render_baseline_yaml(profile))


def _checks(findings) -> list[str]:
    return [f.check for f in findings]


def test_a_clean_dataset_passes(baseline) -> None:
    assert check_dataset("train", small_frame(30), baseline) == []


def test_missing_and_mistyped_columns(baseline) -> None:
    findings = check_dataset("test", small_frame(5).drop("label"), baseline)
    assert _checks(findings) == ["schema"]
    assert "column(s) ['label'] missing" in findings[0].message
    mistyped = small_frame(5).with_columns(pl.col("id").cast(pl.String))
    findings = check_dataset("test", mistyped, baseline)
    assert _checks(findings) == ["schema"]
    assert "'id' is String, expected Int64" in findings[0].message


def test_dtype_kinds() -> None:
    assert dtype_kind(pl.UInt32) == dtype_kind("Int64") == "integer"
    assert dtype_kind(pl.Categorical) == dtype_kind("String") == "string"
    assert dtype_kind(pl.Float32) == "float"


@pytest.mark.parametrize(
    ("column", "value", "check", "what"),
    [
        ("text", None, "null_text", "a null text"),
        ("text", "   ", "empty_text", "an empty text"),
        ("label", None, "null_label", "a null label"),
        ("label", "", "empty_label", "an empty label"),
        ("label", "maybe", "unknown_label", "labels outside the baseline's classes"),
    ],
)
def test_each_row_check_can_fail(baseline, column: str, value, check: str, what: str) -> None:
    frame = small_frame(30).with_columns(
        pl.when(pl.col("id").is_in([3, 7]))
        .then(pl.lit(value, dtype=pl.String))
        .otherwise(pl.col(column))
        .alias(column)
    )
    findings = check_dataset("train_subset", frame, baseline)
    assert _checks(findings) == [check]
    finding = findings[0]
    assert (finding.count, finding.total, finding.sample_ids) == (2, 30, [3, 7])
    assert f"train_subset: 2 of 30 rows have {what}" in finding.message
    assert "[3, 7]" in finding.message


def test_unknown_labels_are_listed(baseline) -> None:
    frame = small_frame(10).with_columns(label=pl.lit("spam"))
    (finding,) = check_dataset("test", frame, baseline)
    assert finding.details == {"unknown": {"spam": 10}}
    assert "{'spam': 10}" in finding.message and "['neg', 'pos']" in finding.message


def test_english_share_check_can_fail_on_given_stats(baseline) -> None:
    frame = small_frame(20)
    stats = compute_doc_stats(frame, with_sentiment=False).with_columns(
        language=pl.when(pl.col("id") < 3).then(pl.lit("de")).otherwise(pl.lit("en"))
    )
    (finding,) = check_dataset("test", frame, baseline, stats=stats)
    assert finding.check == "english_share"
    assert (finding.count, finding.total, finding.sample_ids) == (3, 20, [0, 1, 2])
    assert "only 85.00% of 20 judged rows" in finding.message
    assert "under the baseline minimum of 95.00%" in finding.message
    assert finding.details["by_language"] == {"de": 3}


def _mixed(shared_datasets, foreign: str, n_foreign: int) -> pl.DataFrame:
    english = corpus(shared_datasets, "mr_polarity/rt_polarity_v1.parquet", rows=1500, seed=1)
    other = corpus(shared_datasets, foreign, rows=n_foreign, seed=2)
    other = other.filter(pl.col("label") != "en").with_columns(
        id=pl.col("id") + 1_000_000, label=pl.lit("positive")
    )
    return pl.concat([english, other.select(english.columns)]).sample(
        fraction=1.0, seed=3, shuffle=True
    )


@pytest.mark.parametrize(
    ("foreign", "n_foreign"),
    [
        ("conll2002_es_nl/conll2002_sentences_min5words_dedup.parquet", 250),
        ("udhr_langid/udhr_20lang_lines.parquet", 300),
    ],
)
def test_foreign_rows_mixed_into_english_raise_the_language_error(
    shared_datasets, baseline, foreign: str, n_foreign: int
) -> None:
    frame = _mixed(shared_datasets, foreign, n_foreign)
    english = corpus(shared_datasets, "mr_polarity/rt_polarity_v1.parquet")
    base = parse_baseline(
        render_baseline_yaml(
            profile_from_stats("train", compute_doc_stats(english.head(300)), schema=english.schema)
        )
    )
    stats = compute_doc_stats(frame, with_sentiment=False)
    findings = run_hard_checks({"train": frame}, base, stats={"train": stats})
    (finding,) = [f for f in findings if f.check == "english_share"]
    judged = stats.filter(pl.col("word_count") >= base.language.min_words)
    flagged = judged.filter(pl.col("language") != "en")
    injected = judged.filter(pl.col("id") >= 1_000_000)
    # the counts are those of the detector, row for row
    assert finding.total == judged.height
    assert finding.count == flagged.height
    assert finding.details["share"] == pytest.approx(1 - flagged.height / judged.height)
    # and the detector finds the injected rows: nearly all flagged, few English rows flagged
    caught = injected.filter(pl.col("language") != "en").height
    assert caught >= 0.97 * injected.height
    assert flagged.height - caught <= 0.02 * (judged.height - injected.height)
    assert all(i in set(flagged["id"].to_list()) for i in finding.sample_ids)
    with pytest.raises(ValidationError, match=r"\[english_share\] train: only .* judged rows"):
        raise_for_findings(findings)


def test_all_findings_are_gathered_then_raised_once(baseline) -> None:
    good = small_frame(10)
    bad = good.with_columns(label=pl.when(pl.col("id") == 1).then(None).otherwise(pl.col("label")))
    parts = {"train": good, "test": bad, "test_subset": bad.drop("text")}
    findings = run_hard_checks(parts, baseline)
    assert [(f.dataset, f.check) for f in findings] == [
        ("test", "null_label"),
        ("test_subset", "schema"),
    ]
    with pytest.raises(ValidationError) as raised:
        check_parts(parts, baseline)
    message = str(raised.value)
    assert "2 hard check(s) failed in test, test_subset" in message
    assert "[null_label] test: 1 of 10 rows have a null label (row ids, first 1: [1])" in message
    assert "fix:" in message
    raise_for_findings([])  # nothing to raise
    assert findings[0].to_dict()["sample_ids"] == [1]


def test_findings_rows_are_tidy(baseline) -> None:
    bad = small_frame(10).with_columns(label=pl.lit("spam"))
    findings = run_hard_checks({"test": bad}, baseline)
    rows = findings_rows(findings, version="v2")
    assert list(rows.columns) == [
        "version",
        "dataset",
        "check_name",
        "message",
        "count",
        "total",
        "sample_ids",
        "details",
    ]
    assert rows.iloc[0]["sample_ids"] == "0, 1, 2, 3, 4"
    assert rows.iloc[0]["details"] == '{"unknown": {"spam": 10}}'
    assert len(findings_rows([])) == 0
