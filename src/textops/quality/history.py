"""The historic profile: tidy rows of every dataset version's statistics, for BI tools.

Two shapes, both pandas DataFrames the caller appends to the reporting store:

* :func:`history_rows`: long format, one row per (version, created, dataset,
  statistic, class_label, value); ``class_label`` is null for dataset-wide values.
* :func:`history_summary`: wide format, one row per version with a column per
  ``<dataset>_<statistic>`` (a handful of headline numbers per part).

Column names need no quoting in SQL: no reserved words, no dots
(:func:`sql_name`); ``store/reporting.py`` reads tables written with the
earlier names (``class``, ``train.rows``) under these.

Only looks back: the history is computed, never curated (that is the baseline).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from textops.quality.profile import QUANTILE_PROBS, DatasetProfile

#: Columns of :func:`history_rows`, in order.
HISTORY_COLUMNS = ("version", "created", "dataset", "statistic", "class_label", "value")

#: Quantiles of each statistic written to the history (name -> probability).
HISTORY_QUANTILES = {"p05": 0.05, "p25": 0.25, "median": 0.5, "p75": 0.75, "p95": 0.95}

#: Headline statistics of :func:`history_summary`, per dataset part.
SUMMARY_STATISTICS = (
    "rows",
    "duplicate_rate",
    "english_share",
    "vocabulary_size",
    "char_count.median",
    "word_count.median",
    "sentiment.mean",
    "stop_word_rate.mean",
)


def sql_name(name: str) -> str:
    """``name`` as a column name SQL takes unquoted: lower case, ``[a-z0-9_]`` only.

    ``train.class_share.sci.space`` becomes ``train_class_share_sci_space``.
    """
    return re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")


def _quantile(profile: DatasetProfile, name: str, prob: float) -> float | None:
    summary = profile.statistics.get(name)
    if summary is None or not summary.quantiles:
        return None
    return summary.quantiles[QUANTILE_PROBS.index(prob)]


def profile_values(profile: DatasetProfile) -> list[tuple[str, str | None, float | None]]:
    """(statistic, class, value) triples of one profile, dataset-wide then per class."""
    values: list[tuple[str, str | None, float | None]] = [
        ("rows", None, profile.n_rows),
        ("null_text", None, profile.n_null_text),
        ("empty_text", None, profile.n_empty_text),
        ("null_label", None, profile.n_null_label),
        ("duplicates", None, profile.n_duplicates),
        ("duplicate_rate", None, profile.duplicate_rate),
        ("language_judged", None, profile.n_language_judged),
        ("english_share", None, profile.english_share),
        ("vocabulary_size", None, profile.vocabulary_size),
        ("term_occurrences", None, profile.n_terms),
        ("classes", None, len(profile.class_counts)),
    ]
    for name, summary in profile.statistics.items():
        values += [(f"{name}.mean", None, summary.mean), (f"{name}.std", None, summary.std)]
        values += [
            (f"{name}.{q}", None, _quantile(profile, name, p)) for q, p in HISTORY_QUANTILES.items()
        ]
    shares = profile.class_shares
    for label, count in profile.class_counts.items():
        values += [("class_count", label, count), ("class_share", label, shares[label])]
    for label, per_stat in profile.class_statistics.items():
        for name, moments in per_stat.items():
            values += [
                (f"{name}.mean", label, moments["mean"]),
                (f"{name}.median", label, moments["median"]),
            ]
    return values


def history_rows(profiles: Mapping[str, DatasetProfile], *, version: str, created: datetime) -> Any:
    """Long-format history rows (a pandas DataFrame, columns :data:`HISTORY_COLUMNS`)."""
    import pandas as pd

    rows = [
        (version, created, dataset, statistic, label, None if value is None else float(value))
        for dataset, profile in profiles.items()
        for statistic, label, value in profile_values(profile)
    ]
    frame = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    frame["class_label"] = frame["class_label"].astype("string")
    frame["value"] = frame["value"].astype("float64")
    return frame


def history_summary(
    profiles: Mapping[str, DatasetProfile], *, version: str, created: datetime
) -> Any:
    """One wide row per version: ``version``, ``created``, ``<dataset>_<statistic>`` columns."""
    import pandas as pd

    row: dict[str, Any] = {"version": version, "created": created}
    for dataset, profile in profiles.items():
        values = {
            statistic: value for statistic, label, value in profile_values(profile) if label is None
        }
        for statistic in SUMMARY_STATISTICS:
            value = values.get(statistic)
            row[sql_name(f"{dataset}.{statistic}")] = None if value is None else float(value)
        for label, share in sorted(profile.class_shares.items()):
            row[sql_name(f"{dataset}.class_share.{label}")] = share
    return pd.DataFrame([row])
