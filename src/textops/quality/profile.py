"""What a dataset looks like: the :class:`DatasetProfile` of one dataset part.

A profile is computed from per-document statistics
(:func:`textops.text.stats.compute_doc_stats`) by :func:`profile_from_stats`,
so the four parts of a version share one pass over the text
(:func:`profile_parts`). It holds counts (rows, nulls, empties, classes,
duplicates, languages), a fixed grid of quantiles and a histogram on fixed
edges for every numeric statistic, per-class summaries, and term counts
(document frequencies: a term counts once per document that has it).
Every field is plain data: :meth:`DatasetProfile.to_dict` and
:meth:`DatasetProfile.from_dict` round-trip through JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import polars as pl

from textops.text import terms as term_ops
from textops.text.language import ENGLISH
from textops.text.stats import NUMERIC_STATISTICS, doc_stats_for_parts

#: Probabilities of the stored quantile grid (percentiles: the CDF used by the KS test).
QUANTILE_PROBS: tuple[float, ...] = tuple(round(i / 100, 2) for i in range(101))

_LENGTHS = [0, 1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700]
_COUNTS = [*_LENGTHS, 1000, 1500, 2000, 3000, 5000, 7000, 10000, 20000, 50000]
_SHARES = [round(i * 0.05, 2) for i in range(20)]

#: Left edges of each statistic's histogram bins; the last bin is open-ended.
HISTOGRAM_EDGES: dict[str, list[float]] = {
    "char_count": [float(x) for x in _COUNTS],
    "word_count": [float(x) for x in _COUNTS],
    "mean_word_length": [float(x) for x in range(16)] + [20.0, 30.0],
    "stop_word_rate": _SHARES,
    "digit_share": _SHARES,
    "punctuation_share": _SHARES,
    "uppercase_share": _SHARES,
    "non_letter_share": _SHARES,
    "sentiment": [round(-1 + i * 0.1, 1) for i in range(20)],
    "language_confidence": _SHARES,
}

#: Words a text needs before its language is judged.
DEFAULT_MIN_WORDS = 4
#: Term counts kept in a profile (the rest is in ``n_terms`` only).
DEFAULT_TOP_TERMS = 10_000
DEFAULT_CLASS_TOP_TERMS = 20


@dataclass
class NumericSummary:
    """Distribution of one statistic: moments, quantile grid, histogram counts."""

    count: int
    mean: float | None
    std: float | None
    quantiles: list[float]
    histogram: list[int]


@dataclass
class DatasetProfile:
    """Everything the checks, drift tests, reports and history need of one dataset."""

    name: str
    n_rows: int
    schema: dict[str, str]
    n_null_text: int
    n_empty_text: int
    n_null_label: int
    n_empty_label: int
    n_duplicates: int
    class_counts: dict[str, int]
    min_words: int
    n_language_judged: int
    n_english: int
    language_counts: dict[str, int]
    statistics: dict[str, NumericSummary]
    class_statistics: dict[str, dict[str, dict[str, float | None]]]
    n_terms: int
    vocabulary_size: int
    top_terms: dict[str, int]
    class_top_terms: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def class_shares(self) -> dict[str, float]:
        total = sum(self.class_counts.values())
        return {k: (v / total if total else 0.0) for k, v in self.class_counts.items()}

    @property
    def duplicate_rate(self) -> float:
        return self.n_duplicates / self.n_rows if self.n_rows else 0.0

    @property
    def english_share(self) -> float | None:
        """English rows among judged rows; None when no row could be judged."""
        return self.n_english / self.n_language_judged if self.n_language_judged else None

    def term_shares(self) -> dict[str, float]:
        """Top terms as shares of all term occurrences."""
        return {t: c / self.n_terms for t, c in self.top_terms.items()} if self.n_terms else {}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DatasetProfile:
        values = dict(data)
        values["statistics"] = {k: NumericSummary(**v) for k, v in data["statistics"].items()}
        return cls(**values)


def _summary(values: np.ndarray, edges: list[float]) -> NumericSummary:
    values = values[~np.isnan(values)]
    if values.size == 0:
        return NumericSummary(0, None, None, [], [0] * len(edges))
    quantiles = np.quantile(values, QUANTILE_PROBS)
    bins = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 1)
    return NumericSummary(
        count=int(values.size),
        mean=float(values.mean()),
        std=float(values.std()),
        quantiles=[float(q) for q in quantiles],
        histogram=np.bincount(bins, minlength=len(edges)).astype(int).tolist(),
    )


def _class_statistics(stats: pl.DataFrame) -> dict[str, dict[str, dict[str, float | None]]]:
    present = [s for s in NUMERIC_STATISTICS if s in stats.columns]
    if "label" not in stats.columns or not present:
        return {}
    aggs = [pl.len().alias("_n")]
    for s in present:
        aggs += [pl.col(s).mean().alias(f"{s}:mean"), pl.col(s).median().alias(f"{s}:median")]
    grouped = stats.filter(pl.col("label").is_not_null()).group_by("label").agg(aggs).sort("label")
    result: dict[str, dict[str, dict[str, float | None]]] = {}
    for row in grouped.iter_rows(named=True):
        per_stat = {s: {"mean": row[f"{s}:mean"], "median": row[f"{s}:median"]} for s in present}
        result[str(row["label"])] = per_stat
    return result


def _term_tables(
    stats: pl.DataFrame, top_terms: int, class_top_terms: int
) -> tuple[int, int, dict[str, int], dict[str, dict[str, int]]]:
    if "terms" not in stats.columns:
        return 0, 0, {}, {}
    has_labels = "label" in stats.columns
    labels = stats["label"].cast(pl.String) if has_labels else None
    counts = term_ops.term_counts(stats["terms"], labels=labels)
    overall = counts.group_by("term").agg(pl.col("count").sum()) if has_labels else counts
    n_terms = int(overall["count"].sum())
    top = dict(term_ops.top_terms(overall, top=top_terms))
    per_class: dict[str, dict[str, int]] = {}
    if has_labels and class_top_terms:
        tops = term_ops.top_terms_per_group(
            counts.filter(pl.col("label").is_not_null()), top=class_top_terms
        )
        per_class = {label: dict(pairs) for label, pairs in tops.items()}
    return n_terms, overall.height, top, per_class


def profile_from_stats(
    name: str,
    stats: pl.DataFrame,
    *,
    schema: Mapping[str, Any] | None = None,
    min_words: int = DEFAULT_MIN_WORDS,
    top_terms: int = DEFAULT_TOP_TERMS,
    class_top_terms: int = DEFAULT_CLASS_TOP_TERMS,
) -> DatasetProfile:
    """Profile of the dataset part ``name`` from its per-document statistics.

    ``schema`` is the raw frame's schema (column -> dtype), recorded so a
    baseline made from this profile knows the expected columns.
    """
    label = (
        stats["label"].cast(pl.String)
        if "label" in stats.columns
        else pl.Series([], dtype=pl.String)
    )
    hashes = stats.filter(~pl.col("is_null_text"))["text_hash"]
    n_judged, n_english, language_counts = _language_tallies(stats, min_words=min_words)
    n_terms, vocabulary_size, top, per_class = _term_tables(stats, top_terms, class_top_terms)
    return DatasetProfile(
        name=name,
        n_rows=stats.height,
        schema={k: str(v) for k, v in (schema or {}).items()},
        n_null_text=int(stats["is_null_text"].sum()),
        n_empty_text=int((stats["is_empty_text"] & ~stats["is_null_text"]).sum()),
        n_null_label=int(label.is_null().sum()) if label.len() else 0,
        n_empty_label=int((label.str.strip_chars() == "").sum()) if label.len() else 0,
        n_duplicates=int(hashes.len() - hashes.n_unique()),
        class_counts=_class_counts(label),
        min_words=min_words,
        n_language_judged=n_judged,
        n_english=n_english,
        language_counts=language_counts,
        statistics=_statistic_summaries(stats),
        class_statistics=_class_statistics(stats),
        n_terms=n_terms,
        vocabulary_size=vocabulary_size,
        top_terms=top,
        class_top_terms=per_class,
    )


def _class_counts(label: pl.Series) -> dict[str, int]:
    """Rows per non-null label, most frequent first (ties by label)."""
    if not label.len():
        return {}
    counted = label.drop_nulls().value_counts(sort=True, name="n")
    return {
        str(k): int(v)
        for k, v in counted.sort(["n", "label"], descending=[True, False]).iter_rows()
    }


def _language_tallies(stats: pl.DataFrame, *, min_words: int) -> tuple[int, int, dict[str, int]]:
    """Rows judged for language (``min_words`` words or more), English ones, top 20 languages."""
    languages = (
        stats["language"]
        if "language" in stats.columns
        else pl.Series([None] * stats.height, dtype=pl.String)
    )
    judged = (stats["word_count"].fill_null(0) >= min_words) & languages.is_not_null()
    judged_languages = languages.filter(judged)
    language_counts = judged_languages.value_counts(sort=True, name="n").head(20)
    return (
        int(judged.sum()),
        int((judged_languages == ENGLISH).sum()),
        {str(k): int(v) for k, v in language_counts.iter_rows()},
    )


def _statistic_summaries(stats: pl.DataFrame) -> dict[str, NumericSummary]:
    """The summary of every numeric statistic present in ``stats``."""
    return {
        s: _summary(stats[s].cast(pl.Float64).fill_null(np.nan).to_numpy(), HISTOGRAM_EDGES[s])
        for s in NUMERIC_STATISTICS
        if s in stats.columns
    }


def profile_parts(
    parts: Mapping[str, pl.DataFrame],
    *,
    stats: Mapping[str, pl.DataFrame] | None = None,
    min_words: int = DEFAULT_MIN_WORDS,
    **stats_options: Any,
) -> dict[str, DatasetProfile]:
    """Profiles of every part of a version (subsets reuse their parent's statistics)."""
    computed = dict(stats) if stats is not None else doc_stats_for_parts(parts, **stats_options)
    return {
        name: profile_from_stats(
            name, computed[name], schema=dict(frame.schema), min_words=min_words
        )
        for name, frame in parts.items()
    }
