"""Drift checks: each can fail; real corpora move the checks they should."""

from __future__ import annotations

import polars as pl
import pytest

from textops.quality.baseline import Thresholds, parse_baseline, render_baseline_yaml
from textops.quality.checks import run_hard_checks
from textops.quality.drift import (
    STATUSES,
    CheckResult,
    compare_profile,
    drift_rows,
    run_drift,
    status_for,
    worst_checks,
    worst_status,
)
from textops.quality.drift_tests import reference_from_profile
from textops.quality.profile import profile_from_stats, profile_parts
from textops.text.stats import compute_doc_stats, doc_stats_for_parts

from ._data import corpus, small_frame


def _baseline(frame: pl.DataFrame, **options):
    profile = profile_from_stats("train", compute_doc_stats(frame), schema=frame.schema)
    return parse_baseline(render_baseline_yaml(profile, **options))


def _by_key(results: list[CheckResult], dataset: str, reference: str = "baseline") -> dict:
    return {
        (r.check, r.test): r for r in results if r.dataset == dataset and r.reference == reference
    }


def test_status_for_both_directions() -> None:
    limits = Thresholds(warn=0.1, fail=0.2)
    assert [status_for(v, limits, "above") for v in (0.05, 0.1, 0.25)] == ["ok", "warn", "fail"]
    p_limits = Thresholds(warn=0.01, fail=0.001)
    assert [status_for(v, p_limits, "below") for v in (0.5, 0.005, 0.0001)] == [
        "ok",
        "warn",
        "fail",
    ]
    assert status_for(float("nan"), limits, "above") == "ok"


def _shouting(n: int, labels: list[str]) -> pl.DataFrame:
    texts = [f"QUANTUM REACTOR {i} FAILURE!!! EVACUATE SECTOR {i * 7} NOW!!!" for i in range(n)]
    return pl.DataFrame({"id": range(n), "text": texts, "label": labels})


def test_identical_data_is_ok_everywhere() -> None:
    frame = small_frame(300)
    baseline = _baseline(frame)
    results = run_drift(profile_parts({"train": frame}), baseline)
    assert results and all(r.status == "ok" for r in results if r.test != "psi")
    # Six templates give a statistic one bin and a sliver: too few rows for PSI to judge.
    spread = [r for r in results if r.status != "ok"]
    assert [(r.check, r.status) for r in spread] == [("mean_word_length", "insufficient")]
    assert "fill fewer than 2 bins" in spread[0].detail


def test_worst_status_ranks_insufficient_between_ok_and_warn() -> None:
    def result(status: str) -> CheckResult:
        return CheckResult("test", "sentiment", "ks", 0.0, status, 0.1, 0.2, "")

    assert STATUSES == ("ok", "insufficient", "warn", "fail")
    assert worst_status([result("ok"), result("insufficient")]) == "insufficient"
    assert worst_status([result("insufficient"), result("warn")]) == "warn"
    assert worst_status([result("fail"), result("insufficient")]) == "fail"


def test_a_tiny_subset_is_insufficient_where_a_large_one_fails() -> None:
    classes = ("a", "b", "c", "d", "e")
    baseline = _baseline(small_frame(300, labels=classes))
    labels = ["a"] * 240 + ["b"] * 15 + ["c"] * 15 + ["d"] * 15 + ["e"] * 15
    large = _by_key(run_drift(profile_parts({"test": _shouting(300, labels)}), baseline), "test")
    tiny = _by_key(run_drift(profile_parts({"test": _shouting(12, labels[:12])}), baseline), "test")
    keys = [
        ("class_balance", "chi_square"),
        ("class_balance", "js_distance"),
        ("uppercase_share", "ks"),
        ("uppercase_share", "psi"),
        ("sentiment", "ks"),
    ]
    for key in keys:
        assert large[key].status == "fail", (key, large[key])
        assert tiny[key].status == "insufficient", (key, tiny[key])
        assert tiny[key].detail.startswith("too few rows to judge: ")
    assert "expected class counts down to 2.4" in tiny[("class_balance", "chi_square")].detail
    distributions = [
        r for (check, _), r in tiny.items() if check not in ("duplicates", "vocabulary", "oov_rate")
    ]
    assert {r.status for r in distributions} == {"insufficient"}


def test_numeric_vocabulary_and_class_checks_can_fail() -> None:
    reference = small_frame(200)
    baseline = _baseline(reference)
    shouting = _shouting(200, ["pos"] * 180 + ["neg"] * 20)
    results = _by_key(run_drift(profile_parts({"test": shouting}), baseline), "test")
    for key in [
        ("class_balance", "chi_square"),
        ("class_balance", "js_distance"),
        ("uppercase_share", "ks"),
        ("uppercase_share", "psi"),
        ("sentiment", "ks"),
        ("vocabulary", "js_distance"),
        ("oov_rate", "increase"),
    ]:
        assert results[key].status == "fail", (key, results[key])
    assert "pos: 50.0% -> 90.0%" in results[("class_balance", "js_distance")].detail


def test_duplicates_and_train_test_overlap_can_fail() -> None:
    train = small_frame(40)
    baseline = _baseline(train)
    test = pl.concat([train.head(20), train.head(20).with_columns(pl.col("id") + 100)])
    parts = {"train": train, "test": test}
    stats = doc_stats_for_parts(parts)
    results = run_drift(profile_parts(parts, stats=stats), baseline, stats=stats)
    dup = _by_key(results, "test")[("duplicates", "rate")]
    assert (dup.status, dup.value) == ("fail", 0.5)
    overlap = _by_key(results, "test", "train")[("train_test_overlap", "rate")]
    assert (overlap.status, overlap.value) == ("fail", 1.0)
    assert overlap.detail == "40 of 40 test texts also appear in train"


def test_removed_checks_are_not_run() -> None:
    frame = small_frame(30)
    text = render_baseline_yaml(profile_from_stats("train", compute_doc_stats(frame)))
    start = text.index("  char_count:\n    ks:")
    text = text[:start] + text[start:].split("\n", 3)[3]
    baseline = parse_baseline(text)
    results = run_drift(profile_parts({"train": frame}), baseline)
    assert "char_count" not in {r.check for r in results}
    assert "word_count" in {r.check for r in results}


def test_drift_rows_are_tidy() -> None:
    frame = small_frame(30)
    results = run_drift(profile_parts({"train": frame}), _baseline(frame))
    rows = drift_rows(results, version="v1", baseline_hash="abc")
    assert list(rows.columns[:2]) == ["version", "baseline_hash"]
    fields = [("check_name" if f == "check" else f) for f in CheckResult.__dataclass_fields__]
    assert list(rows.columns[2:]) == fields
    assert rows["check_name"].tolist() == [r.check for r in results]
    assert len(rows) == len(results) and set(rows["status"]) == {"ok", "insufficient"}


def test_sms_spam_warns_against_a_balanced_baseline(shared_datasets) -> None:
    sms = corpus(shared_datasets, "sms_spam/sms_spam_collection.parquet", rows=3000, seed=4)
    balanced = pl.concat(
        [
            sms.filter(pl.col("label") == "ham").head(300),
            sms.filter(pl.col("label") == "spam").head(300),
        ]
    )
    baseline = _baseline(balanced)
    assert baseline.classes.expected_shares == {"ham": 0.5, "spam": 0.5}
    parts = {"train": sms}
    stats = doc_stats_for_parts(parts)
    assert run_hard_checks(parts, baseline, stats=stats) == []  # a warning, not an error
    results = _by_key(run_drift(profile_parts(parts, stats=stats), baseline), "train")
    balance = results[("class_balance", "js_distance")]
    assert balance.status != "ok" and balance.value > 0.3
    assert results[("class_balance", "chi_square")].status != "ok"


def test_positive_only_reviews_move_the_sentiment_check(shared_datasets) -> None:
    reviews = corpus(shared_datasets, "mr_polarity/rt_polarity_v1.parquet", rows=4000, seed=5)
    mixed, other_mixed = reviews.head(2000), reviews.tail(2000)
    baseline = _baseline(mixed)
    positive = other_mixed.filter(pl.col("label") == "positive")
    results = run_drift(profile_parts({"test": other_mixed, "test_subset": positive}), baseline)
    same = _by_key(results, "test")[("sentiment", "ks")]
    moved = _by_key(results, "test_subset")[("sentiment", "ks")]
    assert same.status == "ok" and same.value < 0.05
    assert moved.value > 2 * same.value + 0.05
    assert moved.status in ("warn", "fail")
    assert _by_key(results, "test_subset")[("class_balance", "js_distance")].status == "fail"


@pytest.mark.slow
def test_20_newsgroups_train_against_its_own_test_passes(shared_datasets) -> None:
    news = corpus(shared_datasets, "20newsgroups/20newsgroups_bydate.parquet")
    train = news.filter(pl.col("split") == "train").drop("split").sample(2500, seed=6)
    test = news.filter(pl.col("split") == "test").drop("split").sample(1800, seed=6)
    baseline = _baseline(train)
    parts = {
        "train": train,
        "test": test,
        "train_subset": train.head(600),
        "test_subset": test.head(400),
    }
    stats = doc_stats_for_parts(parts)
    assert run_hard_checks(parts, baseline, stats=stats) == []
    results = run_drift(profile_parts(parts, stats=stats), baseline, stats=stats)
    statuses = {(r.dataset, r.reference, r.check, r.test): r.status for r in results}
    assert set(statuses.values()) <= {"ok", "warn"}, [k for k, v in statuses.items() if v == "fail"]
    skew = _by_key(results, "test", "train")
    assert skew[("class_balance", "chi_square")].status == "ok"
    assert skew[("vocabulary", "js_distance")].status == "ok"
    assert all(r.status == "ok" for (check, test), r in skew.items() if test == "ks")


def test_compare_profile_against_another_profile() -> None:
    a, b = small_frame(300), small_frame(300, labels=("neg", "pos"))
    ref = reference_from_profile(profile_from_stats("a", compute_doc_stats(a)))
    checks = _baseline(a).checks
    results = compare_profile(profile_from_stats("b", compute_doc_stats(b)), ref, checks)
    assert {r.reference for r in results} == {"a"}
    assert worst_status(results) in ("ok", "insufficient")


def test_two_random_halves_of_short_texts_read_ok(shared_datasets) -> None:
    sms = corpus(shared_datasets, "sms_spam/sms_spam_collection.parquet", rows=1200, seed=8)
    stats = compute_doc_stats(sms, with_language=False)
    half_a, half_b = stats.head(600), stats.tail(600)
    ref = reference_from_profile(profile_from_stats("a", half_a))
    checks = _baseline(sms.head(50)).checks
    results = compare_profile(profile_from_stats("b", half_b), ref, checks)
    assert {r.status for r in results} == {"ok"}, [r for r in results if r.status != "ok"]
    vocabulary = next(r for r in results if r.check == "vocabulary")
    assert "less the" in vocabulary.detail


def test_worst_checks_put_fails_first_then_the_furthest_past_the_threshold() -> None:
    def result(check: str, test: str, value: float, status: str, **kw: str) -> CheckResult:
        limits = {"chi_square": (0.01, 0.001), "ks": (0.1, 0.2), "rate": (0.01, 0.05)}[test]
        return CheckResult(
            kw.get("dataset", "train"),
            check,
            test,
            value,
            status,
            *limits,
            "",
            kw.get("reference", "baseline"),
        )

    results = [
        result("sentiment", "ks", 0.15, "warn"),
        result("sentiment", "ks", 0.266, "fail", dataset="test", reference="train"),
        result("char_count", "ks", 0.05, "ok"),
        result("duplicates", "rate", 0.5, "insufficient"),
        result("class_balance", "chi_square", 1.6e-21, "fail"),
        result("duplicates", "rate", 0.02, "warn", dataset="test"),
    ]
    assert worst_checks(results) == [
        "train.class_balance.chi_square p=1.6e-21",
        "test.sentiment.ks D=0.266 vs train",
        "train.sentiment.ks D=0.15",
        "test.duplicates.rate 2.0%",
    ]
    assert worst_checks(results, limit=1) == ["train.class_balance.chi_square p=1.6e-21"]
    assert worst_checks([result("char_count", "ks", 0.05, "ok")]) == []
