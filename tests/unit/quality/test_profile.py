"""Dataset profiles from per-document statistics."""

from __future__ import annotations

import json

import polars as pl
import pytest

from textops.quality.profile import (
    HISTOGRAM_EDGES,
    QUANTILE_PROBS,
    DatasetProfile,
    profile_from_stats,
    profile_parts,
)
from textops.text.stats import NUMERIC_STATISTICS, compute_doc_stats

from ._data import small_frame


def _frame() -> pl.DataFrame:
    base = small_frame(12)
    extra = pl.DataFrame(
        {
            "id": [100, 101, 102, 103],
            "text": [
                None,
                "  ",
                base["text"][0],
                "Hola amigos, ¿cómo están ustedes hoy en la casa?",
            ],
            "label": ["pos", None, "pos", ""],
        }
    )
    return pl.concat([base, extra])


def test_counts() -> None:
    frame = _frame()
    profile = profile_from_stats("train", compute_doc_stats(frame), schema=frame.schema)
    assert profile.n_rows == 16
    assert (profile.n_null_text, profile.n_empty_text) == (1, 1)
    assert (profile.n_null_label, profile.n_empty_label) == (1, 1)
    assert profile.n_duplicates == 1
    assert profile.class_counts == {"pos": 8, "neg": 6, "": 1}
    assert profile.class_shares["pos"] == pytest.approx(8 / 15)
    assert profile.n_language_judged == 14
    assert profile.n_english == 13
    assert profile.language_counts == {"en": 13, "es": 1}
    assert profile.english_share == pytest.approx(13 / 14)
    assert profile.schema == {"id": "Int64", "text": "String", "label": "String"}


def test_statistics_have_the_fixed_grid_and_bins() -> None:
    profile = profile_from_stats("train", compute_doc_stats(_frame()))
    assert set(profile.statistics) == set(NUMERIC_STATISTICS)
    for name, summary in profile.statistics.items():
        assert len(summary.quantiles) == len(QUANTILE_PROBS)
        assert len(summary.histogram) == len(HISTOGRAM_EDGES[name])
        assert sum(summary.histogram) == summary.count
    assert profile.statistics["char_count"].count == 15  # the null text has none
    assert set(profile.class_statistics) == {"", "neg", "pos"}
    assert profile.class_statistics["pos"]["sentiment"]["mean"] is not None


def test_terms_are_document_frequencies() -> None:
    profile = profile_from_stats("train", compute_doc_stats(small_frame(12)))
    assert profile.top_terms["note"] == 12
    assert profile.vocabulary_size == len(profile.top_terms)
    assert profile.n_terms == sum(profile.top_terms.values())
    assert set(profile.class_top_terms) == {"pos", "neg"}
    assert profile.term_shares()["note"] == pytest.approx(12 / profile.n_terms)


def test_round_trip_through_json() -> None:
    profile = profile_from_stats("train", compute_doc_stats(_frame()))
    again = DatasetProfile.from_dict(json.loads(json.dumps(profile.to_dict())))
    assert again == profile


def test_profile_parts_reuse_parent_stats() -> None:
    train = small_frame(20)
    parts = {"train": train, "train_subset": train.head(5)}
    profiles = profile_parts(parts, with_language=False)
    assert profiles["train_subset"].n_rows == 5
    assert profiles["train"].schema["text"] == "String"
    assert profiles["train"].english_share is None  # no language detected
