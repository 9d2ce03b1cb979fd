"""Hard checks: what stops the pipeline when a dataset breaks the baseline.

:func:`run_hard_checks` returns every :class:`Finding` of every dataset part
(so a caller can record them all); :func:`raise_for_findings` then raises one
:class:`~textops.errors.ValidationError` that names each dataset, check,
count and a sample of offending row ids. :func:`check_parts` does both.

The checks, per dataset part:

* ``schema``: a baseline column is missing, or of another kind
  (string / integer / float / boolean); the other checks need the columns,
  so a part that fails here is not checked further.
* ``null_text``, ``empty_text`` (blank after stripping), ``null_label``,
  ``empty_label``.
* ``too_few_classes``: a training part (``train``, ``train_subset``) whose
  labelled rows hold fewer than two classes: nothing can be learned from it,
  and it must never become the baseline.
* ``unknown_label``: labels outside ``classes.allowed``.
* ``english_share``: among rows with at least ``language.min_words`` words,
  the share detected as ``language.expected`` is under ``language.min_share``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

from textops.errors import ValidationError
from textops.quality.baseline import Baseline
from textops.text.language import detect_languages
from textops.text.terms import WORD_PATTERN

#: Offending row ids quoted per finding.
DEFAULT_SAMPLE_SIZE = 5


@dataclass(frozen=True)
class Finding:
    """One failed hard check of one dataset part."""

    dataset: str
    check: str
    message: str
    count: int
    total: int
    sample_ids: list[Any] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def dtype_kind(dtype: Any) -> str:
    """The kind of a Polars dtype (or its name): string, integer, float, boolean or other."""
    name = str(dtype)
    if name.startswith(("String", "Utf8", "Categorical", "Enum")):
        return "string"
    if name.startswith(("Int", "UInt")):
        return "integer"
    if name.startswith(("Float", "Decimal")):
        return "float"
    if name.startswith("Boolean"):
        return "boolean"
    return name.lower()


def _ids(df: pl.DataFrame, mask: pl.Series, sample_size: int) -> list[Any]:
    if "id" in df.columns:
        return df["id"].filter(mask).head(sample_size).to_list()
    return pl.Series(range(df.height)).filter(mask).head(sample_size).to_list()


def _schema_findings(name: str, df: pl.DataFrame, baseline: Baseline) -> list[Finding]:
    findings = []
    missing = [c for c in baseline.columns if c not in df.columns]
    if missing:
        findings.append(
            Finding(
                name,
                "schema",
                f"{name}: column(s) {missing} missing; the baseline expects "
                f"{list(baseline.columns)}, "
                f"the data has {df.columns}",
                count=len(missing),
                total=len(baseline.columns),
                details={"missing": missing},
            )
        )
    wrong = {
        c: (expected, str(df.schema[c]))
        for c, expected in baseline.columns.items()
        if c in df.columns and dtype_kind(df.schema[c]) != dtype_kind(expected)
    }
    if wrong:
        shown = ", ".join(f"'{c}' is {got}, expected {exp}" for c, (exp, got) in wrong.items())
        findings.append(
            Finding(
                name,
                "schema",
                f"{name}: mistyped column(s): {shown}",
                len(wrong),
                len(baseline.columns),
                details={"mistyped": {c: {"expected": e, "got": g} for c, (e, g) in wrong.items()}},
            )
        )
    return findings


def _count_finding(
    name: str, df: pl.DataFrame, mask: pl.Series, *, check: str, what: str, sample_size: int
) -> list[Finding]:
    """The ``check`` finding when any row of ``df`` is in ``mask`` (rows that have ``what``)."""
    count = int(mask.sum())
    if not count:
        return []
    sample = _ids(df, mask, sample_size)
    message = (
        f"{name}: {count} of {df.height} rows have {what} (row ids, first {len(sample)}: {sample})"
    )
    return [Finding(name, check, message, count, df.height, sample)]


def _language_finding(
    name: str,
    df: pl.DataFrame,
    baseline: Baseline,
    *,
    stats: pl.DataFrame | None,
    sample_size: int,
) -> list[Finding]:
    """The ``english_share`` finding when too few judged rows are in the expected language."""
    section = baseline.language
    if stats is not None and {"language", "word_count"} <= set(stats.columns):
        languages, words = stats["language"], stats["word_count"]
    else:
        languages = detect_languages(df["text"])["language"]
        words = df["text"].str.count_matches(WORD_PATTERN)
    judged = (words.fill_null(0) >= section.min_words) & languages.is_not_null()
    n_judged = int(judged.sum())
    other = judged & (languages != section.expected)
    n_other = int(other.sum())
    if not n_judged:
        return []
    share = (n_judged - n_other) / n_judged
    if share >= section.min_share:
        return []
    counts = languages.filter(other).value_counts(sort=True, name="n").head(10)
    by_language = {str(k): int(v) for k, v in counts.iter_rows()}
    sample = _ids(df, other, sample_size)
    message = (
        f"{name}: only {share:.2%} of {n_judged} judged rows (>= {section.min_words} words) are "
        f"'{section.expected}', under the baseline minimum of {section.min_share:.2%}; "
        f"{n_other} rows are in other languages {by_language} "
        f"(row ids, first {len(sample)}: {sample})"
    )
    details = {
        "share": share,
        "min_share": section.min_share,
        "by_language": by_language,
        "judged": n_judged,
        "not_judged": df.height - n_judged,
    }
    return [Finding(name, "english_share", message, n_other, n_judged, sample, details)]


def _unknown_label_finding(
    name: str,
    df: pl.DataFrame,
    label: pl.Series,
    unknown: pl.Series,
    *,
    allowed: list[str],
    sample_size: int,
) -> Finding:
    """The ``unknown_label`` finding: the rows in ``unknown``, with labels outside ``allowed``."""
    values = label.filter(unknown).value_counts(sort=True, name="n").head(10)
    shown = {str(k): int(v) for k, v in values.iter_rows()}
    count = int(unknown.sum())
    sample = _ids(df, unknown, sample_size)
    message = (
        f"{name}: {count} of {df.height} rows have labels outside the baseline's classes "
        f"{allowed}: {shown} (row ids, first {len(sample)}: {sample})"
    )
    return Finding(name, "unknown_label", message, count, df.height, sample, {"unknown": shown})


def _class_count_finding(name: str, labels: pl.Series) -> list[Finding]:
    """The ``too_few_classes`` finding: a training part with fewer than two classes."""
    classes = labels.unique().sort().to_list()
    if len(classes) >= 2:
        return []
    shown = f"only the class {classes[0]!r}" if classes else "no class"
    message = (
        f"{name}: {shown} among {labels.len()} labelled rows; a classifier needs at least 2 classes"
    )
    details = {"classes": classes}
    return [Finding(name, "too_few_classes", message, len(classes), 2, details=details)]


def check_dataset(
    name: str,
    df: pl.DataFrame,
    baseline: Baseline,
    *,
    stats: pl.DataFrame | None = None,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
) -> list[Finding]:
    """Every hard-check finding of one dataset part (empty when it passes)."""
    findings = _schema_findings(name, df, baseline)
    if findings or not {"text", "label"} <= set(df.columns):
        return findings
    text, label = df["text"].cast(pl.String), df["label"].cast(pl.String)
    blank = (text.str.strip_chars() == "").fill_null(False)
    empty_label = (label.str.strip_chars() == "").fill_null(False)
    for check, mask, what in (
        ("null_text", text.is_null(), "a null text"),
        ("empty_text", blank, "an empty text"),
        ("null_label", label.is_null(), "a null label"),
        ("empty_label", empty_label, "an empty label"),
    ):
        findings += _count_finding(name, df, mask, check=check, what=what, sample_size=sample_size)
    if name.startswith("train"):
        findings += _class_count_finding(name, label.filter(label.is_not_null() & ~empty_label))
    allowed = baseline.classes.allowed
    unknown = label.is_not_null() & ~empty_label & ~label.is_in(allowed)
    if unknown.any():
        findings.append(
            _unknown_label_finding(
                name, df, label, unknown, allowed=allowed, sample_size=sample_size
            )
        )
    findings += _language_finding(name, df, baseline, stats=stats, sample_size=sample_size)
    return findings


def run_hard_checks(
    parts: Mapping[str, pl.DataFrame],
    baseline: Baseline,
    *,
    stats: Mapping[str, pl.DataFrame] | None = None,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
) -> list[Finding]:
    """Findings of every part, in order; ``stats`` (per part) saves re-detecting languages."""
    findings: list[Finding] = []
    for name, frame in parts.items():
        part_stats = stats.get(name) if stats is not None else None
        findings += check_dataset(name, frame, baseline, stats=part_stats, sample_size=sample_size)
    return findings


def raise_for_findings(findings: list[Finding]) -> None:
    """Raise one ValidationError listing every finding; do nothing when there are none."""
    if not findings:
        return
    datasets = sorted({f.dataset for f in findings})
    listed = "; ".join(f"[{f.check}] {f.message}" for f in findings)
    raise ValidationError(
        f"{len(findings)} hard check(s) failed in {', '.join(datasets)}: {listed}",
        hint="fix the rows named above in the raw data (or, if the data is right, edit the "
        "baseline profile: classes.allowed, language.min_share, columns)",
    )


def findings_rows(findings: list[Finding], **context: Any) -> Any:
    """Tidy rows (a pandas DataFrame) of hard-check findings; ``context`` adds constant columns.

    ``sample_ids`` are joined into one string and ``details`` dumped as JSON,
    so the table stores in Parquet as is.
    """
    import json

    import pandas as pd

    columns = ["dataset", "check_name", "message", "count", "total", "sample_ids", "details"]
    rows = [
        {
            **{("check_name" if k == "check" else k): v for k, v in f.to_dict().items()},
            "sample_ids": ", ".join(str(i) for i in f.sample_ids),
            "details": json.dumps(f.details, default=str, sort_keys=True),
        }
        for f in findings
    ]
    frame = pd.DataFrame(rows, columns=columns)
    for key, value in reversed(list(context.items())):
        frame.insert(0, key, value)
    return frame


def check_parts(
    parts: Mapping[str, pl.DataFrame],
    baseline: Baseline,
    *,
    stats: Mapping[str, pl.DataFrame] | None = None,
) -> list[Finding]:
    """Run every hard check and raise :class:`ValidationError` if any fails."""
    findings = run_hard_checks(parts, baseline, stats=stats)
    raise_for_findings(findings)
    return findings
