"""The baseline YAML: rendered with comments, parsed strictly, versioned by hash."""

from __future__ import annotations

import pytest

from textops.errors import ConfigError
from textops.quality.baseline import (
    CHECK_TESTS,
    DEFAULT_THRESHOLDS,
    baseline_from_train,
    parse_baseline,
    render_baseline_yaml,
)
from textops.quality.profile import HISTOGRAM_EDGES, QUANTILE_PROBS, profile_from_stats
from textops.text.stats import NUMERIC_STATISTICS, compute_doc_stats

from ._data import small_frame


@pytest.fixture(scope="module")
def rendered() -> tuple[str, object]:
    frame = small_frame(40, labels=("yes", "no", "null"))
    profile = profile_from_stats("train", compute_doc_stats(frame), schema=frame.schema)
    return render_baseline_yaml(profile, dataset="demo", version="abc123"), profile


def test_round_trip_keeps_the_profile_values(rendered) -> None:
    text, profile = rendered
    baseline = parse_baseline(text)
    assert baseline.source.dataset == "demo" and baseline.source.rows == 40
    assert baseline.columns == {"id": "Int64", "text": "String", "label": "String"}
    # YAML words such as yes / no / null stay strings
    assert baseline.classes.allowed == ["no", "null", "yes"]
    assert sum(baseline.classes.expected_shares.values()) == pytest.approx(1.0, abs=1e-3)
    assert baseline.language.min_share == 0.95 and baseline.language.min_words == 4
    assert baseline.quantile_probs == list(QUANTILE_PROBS)
    assert set(baseline.statistics) == set(NUMERIC_STATISTICS)
    char = baseline.statistics["char_count"]
    assert char.histogram.edges == HISTOGRAM_EDGES["char_count"]
    assert char.quantiles[-1] == pytest.approx(profile.statistics["char_count"].quantiles[-1])
    assert baseline.vocabulary.top_terms["note"] == pytest.approx(
        profile.term_shares()["note"], rel=1e-3
    )
    assert set(baseline.checks) == set(CHECK_TESTS)
    assert baseline.checks["char_count"]["ks"].warn == DEFAULT_THRESHOLDS["ks"][0]


def test_rendered_file_explains_itself(rendered) -> None:
    text, _ = rendered
    assert text.startswith("# textops baseline profile")
    for phrase in (
        "ERRORS stop the pipeline",
        "Labels outside `allowed`",
        "min_share",
        "Delete a check",
    ):
        assert phrase in text


def test_choices_can_be_given() -> None:
    frame = small_frame(10)
    profile = profile_from_stats("train", compute_doc_stats(frame))
    text = render_baseline_yaml(
        profile,
        min_english_share=0.8,
        allowed_classes=["pos", "neg", "other"],
        expected_shares={"pos": 0.5, "neg": 0.5},
    )
    baseline = parse_baseline(text)
    assert baseline.language.min_share == 0.8
    assert baseline.classes.allowed == ["pos", "neg", "other"]


def _edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "language:\n",
            "language:\n  colour: blue\n",
            r"language\.colour: unknown key 'colour'; valid keys here: expected, min_share",
        ),
        ("  min_words: 4\n", "", None),
        (
            "  min_share: 0.95",
            "  min_share: 1.5",
            r"language\.min_share: Input should be less than or equal to 1, got 1\.5",
        ),
        (
            "    ks: {warn: 0.1, fail: 0.2}",
            "    kss: {warn: 0.1, fail: 0.2}",
            r"checks\.char_count\.kss: unknown test for 'char_count'; "
            r"expected one of \['ks', 'psi'\]",
        ),
        (
            "    ks: {warn: 0.1, fail: 0.2}",
            "    ks: {warn: 0.3, fail: 0.2}",
            r"checks\.char_count\.ks: warn \(0\.3\) must be at most fail \(0\.2\)",
        ),
        (
            "    chi_square: {warn: 0.01, fail: 0.001}",
            "    chi_square: {warn: 0.001, fail: 0.01}",
            r"must be at least fail",
        ),
        ("checks:\n", "checks:\n  colour: {}\n", r"checks\.colour: unknown check"),
        ("format: 1", "format: 2", r"format: Input should be 1, got 2"),
        (
            "vocabulary:\n  size:",
            "vocabulary:\n  sise: 3\n  size:",
            r"vocabulary\.sise: unknown key 'sise' \(did you mean 'size'\?\)",
        ),
    ],
)
def test_bad_keys_are_named(rendered, old: str, new: str, message: str | None) -> None:
    text, _ = rendered
    edited = _edit(text, old, new)
    if message is None:  # a default exists for this key
        assert parse_baseline(edited).language.min_words == 4
        return
    with pytest.raises(ConfigError, match=message):
        parse_baseline(edited)


def test_missing_section_and_bad_yaml() -> None:
    with pytest.raises(ConfigError, match=r"columns: a required key is missing.*classes"):
        parse_baseline("format: 1\nsource: {rows: 1}\n")
    with pytest.raises(ConfigError, match="is not valid YAML"):
        parse_baseline("classes: [unclosed\n")
    with pytest.raises(ConfigError, match="must be a YAML mapping of sections; got list"):
        parse_baseline("- a\n- b\n")


def test_baseline_from_train_measures_the_training_set() -> None:
    frame = small_frame(30, labels=("pos", "neg"))
    text = baseline_from_train(frame, {"name": "demo", "version": "v7"})
    baseline = parse_baseline(text)
    assert (baseline.source.dataset, baseline.source.version) == ("demo", "v7")
    assert baseline.source.part == "train" and baseline.source.rows == 30
    assert baseline.source.created and baseline.source.created.endswith("+00:00")
    assert baseline.classes.allowed == ["neg", "pos"]
    ref = {"name": "demo", "version": "v7"}
    given = baseline_from_train(frame, ref, stats=compute_doc_stats(frame))
    assert parse_baseline(given).statistics == baseline.statistics
