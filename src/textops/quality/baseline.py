"""The baseline profile: a hand-curated YAML file every validation compares against.

:func:`render_baseline_yaml` writes one, with comments, from a
:class:`~textops.quality.profile.DatasetProfile`; people then edit it (the
class set, the minimum English share, thresholds). :func:`parse_baseline`
reads it back into a :class:`Baseline`, refusing unknown keys and naming any
bad one; :func:`baseline_from_train` measures a first one on a dataset
version's training set. The file's version (its sha256) is the store's
business: :func:`textops.store.baselines.baseline_hash`.

Checks and their tests (:data:`CHECK_TESTS`) each have a ``warn`` and a
``fail`` threshold. Most tests are distances (worse when higher); the
chi-square test gives a p-value (worse when lower). Remove a check from
``checks:`` to switch it off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from textops.clock import utc_now
from textops.config.errors import config_error, definition_error
from textops.errors import ConfigError
from textops.text.stats import NUMERIC_STATISTICS

if TYPE_CHECKING:
    import polars as pl

    from textops.quality.profile import DatasetProfile

Direction = Literal["above", "below"]

#: Every check, its tests, and whether a *higher* or *lower* value is worse.
CHECK_TESTS: dict[str, dict[str, Direction]] = {
    "class_balance": {"chi_square": "below", "js_distance": "above"},
    **{s: {"ks": "above", "psi": "above"} for s in NUMERIC_STATISTICS},
    "vocabulary": {"js_distance": "above"},
    "oov_rate": {"increase": "above"},
    "duplicates": {"rate": "above"},
    "train_test_overlap": {"rate": "above"},
}

#: Default thresholds (warn, fail) per test; duplicates are set per baseline.
DEFAULT_THRESHOLDS: dict[str, tuple[float, float]] = {
    "chi_square": (0.01, 0.001),
    "js_distance": (0.1, 0.2),
    "ks": (0.1, 0.2),
    "psi": (0.1, 0.25),
    "increase": (0.05, 0.1),
    "rate": (0.01, 0.05),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Thresholds(_Strict):
    warn: float
    fail: float


class SourceSection(_Strict):
    dataset: str | None = None
    version: str | None = None
    part: str | None = None
    rows: int = Field(ge=0)
    created: str | None = None


class ClassesSection(_Strict):
    allowed: list[str] = Field(min_length=1)
    expected_shares: dict[str, float]

    @model_validator(mode="after")
    def _shares_of_allowed(self) -> ClassesSection:
        unknown = sorted(set(self.expected_shares) - set(self.allowed))
        if unknown:
            raise ValueError(f"expected_shares names classes not in 'allowed': {unknown}")
        if any(v < 0 for v in self.expected_shares.values()):
            raise ValueError("expected_shares must not be negative")
        return self


class LanguageSection(_Strict):
    expected: str = "en"
    min_share: float = Field(ge=0.0, le=1.0)
    min_words: int = Field(default=4, ge=1)


class DuplicatesSection(_Strict):
    rate: float = Field(ge=0.0, le=1.0)


class VocabularySection(_Strict):
    size: int = Field(ge=0)
    occurrences: int | None = Field(default=None, ge=0)
    oov_rate: float = Field(ge=0.0, le=1.0)
    top_terms: dict[str, float]


class HistogramSection(_Strict):
    edges: list[float]
    shares: list[float]

    @model_validator(mode="after")
    def _same_length(self) -> HistogramSection:
        if len(self.edges) != len(self.shares):
            raise ValueError(
                f"{len(self.edges)} edges but {len(self.shares)} shares; they must pair up"
            )
        return self


class StatisticSection(_Strict):
    count: int = Field(ge=0)
    mean: float | None
    std: float | None
    quantiles: list[float]
    histogram: HistogramSection


class Baseline(_Strict):
    """The parsed baseline profile (see the module docstring)."""

    format: Literal[1] = 1
    source: SourceSection
    columns: dict[str, str]
    classes: ClassesSection
    language: LanguageSection
    duplicates: DuplicatesSection
    vocabulary: VocabularySection
    quantile_probs: list[float]
    statistics: dict[str, StatisticSection]
    checks: dict[str, dict[str, Thresholds]]

    @model_validator(mode="after")
    def _consistent(self) -> Baseline:
        for name, stat in self.statistics.items():
            if name not in NUMERIC_STATISTICS:
                raise ValueError(
                    f"statistics.{name}: unknown statistic; expected one of "
                    f"{list(NUMERIC_STATISTICS)}"
                )
            if stat.quantiles and len(stat.quantiles) != len(self.quantile_probs):
                raise ValueError(
                    f"statistics.{name}.quantiles has {len(stat.quantiles)} values but "
                    "quantile_probs has "
                    f"{len(self.quantile_probs)}; they must pair up"
                )
        for check, tests in self.checks.items():
            if check not in CHECK_TESTS:
                raise ValueError(
                    f"checks.{check}: unknown check; expected one of {sorted(CHECK_TESTS)}"
                )
            for test, limits in tests.items():
                direction = CHECK_TESTS[check].get(test)
                if direction is None:
                    raise ValueError(
                        f"checks.{check}.{test}: unknown test for '{check}'; expected one of "
                        f"{sorted(CHECK_TESTS[check])}"
                    )
                _check_thresholds(f"checks.{check}.{test}", limits, direction=direction,
                                  is_p_value=test == "chi_square")
        return self


def _check_thresholds(
    path: str, limits: Thresholds, *, direction: Direction, is_p_value: bool
) -> None:
    """``warn`` and ``fail`` are in range (>= 0; a p-value <= 1) and in order."""
    fix = (f"edit '{path}' in baseline/profile.yaml (or rewrite it: "
           "textops baseline init --from VERSION --force)")
    top = 1.0 if is_p_value else float("inf")
    for name, value in (("warn", limits.warn), ("fail", limits.fail)):
        if not 0.0 <= value <= top:
            expected = "between 0 and 1 (a p-value)" if is_p_value else "0 or more"
            raise definition_error(
                f"{path}.{name}", f"threshold {value} must be {expected}", fix=fix
            )
    ordered = limits.warn <= limits.fail if direction == "above" else limits.warn >= limits.fail
    if not ordered:
        word = "at most" if direction == "above" else "at least"
        raise definition_error(
            path, f"warn ({limits.warn}) must be {word} fail ({limits.fail})", fix=fix
        )


def parse_baseline(text: str, *, source: str = "baseline profile") -> Baseline:
    """Parse and validate a baseline YAML text; :class:`ConfigError` names the bad key."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(
            f"{source} is not valid YAML{where}: {getattr(exc, 'problem', None) or exc}",
            hint="fix the syntax at that position (or restore it from baseline/history/)",
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source} must be a YAML mapping of sections; got {type(data).__name__}",
            hint="recreate it with `textops baseline init --from VERSION`",
        )
    try:
        return Baseline.model_validate(data)
    except ValidationError as exc:
        error = config_error(exc, model=Baseline, source=source)
        if error.hint == "correct the definition":  # a check across keys names its key itself
            error.hint = "edit that key in baseline/profile.yaml (or rewrite the file: " \
                "textops baseline init --from VERSION --force)"
        raise error from exc


# --------------------------------------------------------------------------- rendering

#: Terms of the reference vocabulary written to a new baseline.
DEFAULT_BASELINE_TERMS = 1000
#: Default floor of the English share: this, or 2 points under the reference's own share.
DEFAULT_MIN_ENGLISH_SHARE = 0.95

_HEADER = """\
# textops baseline profile
#
# Every dataset version is validated against this file. It is yours to edit:
# the class set, the minimum English share and the thresholds are decisions,
# not measurements. Reference values (statistics, vocabulary) were measured
# on the source below; regenerate them with `textops baseline init --from
# VERSION` rather than editing them by hand.
#
# The file is versioned by its content: every validation records the sha256
# of these bytes, so any edit makes a new baseline version.
#
# ERRORS stop the pipeline: missing or mistyped columns, null or empty texts
# or labels, labels outside classes.allowed, an English share under
# language.min_share. Everything else is a DRIFT REPORT: each check in
# `checks:` gives ok, warn or fail by its thresholds.
"""


def _flow(value: Any) -> str:
    """One YAML value on one line (quoted where YAML would misread it)."""
    text: str = yaml.safe_dump(
        value, default_flow_style=True, width=10**9, allow_unicode=True, sort_keys=False
    )
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _round(x: float | None, digits: int = 6) -> float | None:
    return None if x is None else float(f"{x:.{digits}g}")


def _default_min_english(share: float | None) -> float:
    if share is None:
        return DEFAULT_MIN_ENGLISH_SHARE
    return max(0.0, min(DEFAULT_MIN_ENGLISH_SHARE, int((share - 0.02) * 100) / 100))


def render_baseline_yaml(
    profile: DatasetProfile,
    *,
    dataset: str | None = None,
    version: str | None = None,
    created: str | None = None,
    min_english_share: float | None = None,
    allowed_classes: list[str] | None = None,
    expected_shares: dict[str, float] | None = None,
    top_terms: int = DEFAULT_BASELINE_TERMS,
) -> str:
    """A commented baseline YAML measured on ``profile``.

    ``allowed_classes`` and ``expected_shares`` default to the profile's
    classes and shares; ``min_english_share`` to 0.95, or two points under
    the profile's own English share when that is lower.
    """
    classes = allowed_classes or sorted(profile.class_counts)
    shares = expected_shares or {k: float(f"{v:.4g}") for k, v in profile.class_shares.items()}
    min_share = (
        _default_min_english(profile.english_share)
        if min_english_share is None
        else min_english_share
    )
    lines = [
        _HEADER,
        *_source_lines(profile, dataset=dataset, version=version, created=created),
        *_class_lines(classes, shares),
        *_language_and_duplicate_lines(profile, min_share=min_share),
        *_statistics_lines(profile),
        *_check_lines(profile),
        *_vocabulary_lines(profile, top_terms=top_terms),
    ]
    return "\n".join(lines) + "\n"


def _source_lines(
    profile: DatasetProfile, *, dataset: str | None, version: str | None, created: str | None
) -> list[str]:
    """The format, where the profile was measured, and its expected columns."""
    schema = profile.schema or {"text": "String", "label": "String"}
    return [
        "format: 1",
        "",
        "# Where the reference values were measured (for your information).",
        "source:",
        f"  dataset: {_flow(dataset)}",
        f"  version: {_flow(version)}",
        f"  part: {_flow(profile.name)}",
        f"  rows: {profile.n_rows}",
        f"  created: {_flow(created)}",
        "",
        "# Expected columns and their Polars types. A missing column, or one of another",
        "# kind (string / integer / float / boolean), is an ERROR.",
        "columns:",
        *[f"  {_flow(k)}: {_flow(v)}" for k, v in schema.items()],
    ]


def _class_lines(classes: list[str], shares: dict[str, float]) -> list[str]:
    """The ``classes`` section: allowed labels and the expected class balance."""
    return [
        "",
        "# Labels outside `allowed` are an ERROR. `expected_shares` is the class balance",
        "# the class_balance drift check compares against.",
        "classes:",
        "  allowed:",
        *[f"    - {_flow(label)}" for label in classes],
        "  expected_shares:" + ("" if shares else " {}"),
        *[f"    {_flow(label)}: {share}" for label, share in shares.items()],
    ]


def _language_and_duplicate_lines(profile: DatasetProfile, *, min_share: float) -> list[str]:
    """The ``language`` and ``duplicates`` sections, and the quantile probabilities."""
    from textops.quality.profile import QUANTILE_PROBS

    return [
        "",
        "# Rows with at least `min_words` words are judged; an ERROR is raised when the",
        "# share of them detected as `expected` falls under `min_share`. Measured: "
        f"{_flow(_round(profile.english_share, 4))}.",
        "language:",
        "  expected: en",
        f"  min_share: {min_share}",
        f"  min_words: {profile.min_words}",
        "",
        "# Share of rows whose exact text repeats an earlier row, in the reference.",
        "duplicates:",
        f"  rate: {_round(profile.duplicate_rate, 4)}",
        "",
        "# Probabilities of every `quantiles` list below (the CDF used by the KS test).",
        f"quantile_probs: {_flow(list(QUANTILE_PROBS))}",
    ]


def _statistics_lines(profile: DatasetProfile) -> list[str]:
    """The ``statistics`` section: each statistic's moments, quantiles and histogram."""
    from textops.quality.profile import HISTOGRAM_EDGES

    lines = [
        "",
        "# Reference distribution of each per-document statistic: mean, std, quantiles,",
        "# and histogram shares (bin i covers [edges[i], edges[i+1]); the last bin is open).",
        "statistics:",
    ]
    for name, summary in profile.statistics.items():
        hist = summary.histogram
        total = sum(hist)
        lines += [
            f"  {name}:",
            f"    count: {summary.count}",
            f"    mean: {_flow(_round(summary.mean))}",
            f"    std: {_flow(_round(summary.std))}",
            f"    quantiles: {_flow([_round(q) for q in summary.quantiles])}",
            "    histogram:",
            f"      edges: {_flow(HISTOGRAM_EDGES[name])}",
            f"      shares: {_flow([_round(c / total if total else 0.0, 4) for c in hist])}",
        ]
    return lines


def _check_lines(profile: DatasetProfile) -> list[str]:
    """The ``checks`` section: default thresholds of every drift test."""
    dup = profile.duplicate_rate
    lines = [
        "",
        "# Drift checks: test -> thresholds. Distances warn/fail at or above the value;",
        "# chi_square is a p-value and warns/fails at or below it. Delete a check to",
        "# switch it off. The same tests compare train with test of each version.",
        "checks:",
        "  class_balance:",
        _thresholds("chi_square"),
        _thresholds("js_distance"),
    ]
    for name in profile.statistics:
        lines += [f"  {name}:", _thresholds("ks"), _thresholds("psi")]
    return [
        *lines,
        "  vocabulary:       # Jensen-Shannon distance of term shares (top terms + the rest)",
        _thresholds("js_distance"),
        "  oov_rate:         # rise of the share of terms outside vocabulary.top_terms",
        _thresholds("increase"),
        "  duplicates:       # duplicate rate of the dataset",
        f"    rate: {{warn: {_round(dup + 0.01, 4)}, fail: {_round(dup + 0.05, 4)}}}",
        "  train_test_overlap:  # share of test rows whose exact text is also in train",
        _thresholds("rate"),
    ]


def _vocabulary_lines(profile: DatasetProfile, *, top_terms: int) -> list[str]:
    """The ``vocabulary`` section: the ``top_terms`` most frequent terms and the OOV rate."""
    term_shares = list(profile.term_shares().items())[:top_terms]
    oov = max(0.0, 1.0 - sum(s for _, s in term_shares))
    return [
        "",
        f"# The reference vocabulary: the {len(term_shares)} most frequent terms and their shares",
        "# of all term occurrences. `oov_rate` is the share outside them "
        f"({profile.vocabulary_size}",
        "# distinct terms in all).",
        "vocabulary:",
        f"  size: {profile.vocabulary_size}",
        f"  occurrences: {profile.n_terms}  # (document, term) pairs the shares are of",
        f"  oov_rate: {_round(oov, 4)}",
        "  top_terms:" + ("" if term_shares else " {}"),
        *[f"    {_flow(term)}: {_round(share, 4)}" for term, share in term_shares],
    ]


def baseline_from_train(
    train: pl.DataFrame, ref: dict[str, Any], *, stats: pl.DataFrame | None = None
) -> str:
    """A commented baseline measured on a version's training set.

    ``ref`` names the dataset version (``name``, ``version``); ``stats`` are the
    training set's document statistics when already computed.
    """
    from textops.quality.profile import profile_from_stats
    from textops.text.stats import compute_doc_stats

    stats = compute_doc_stats(train) if stats is None else stats
    profile = profile_from_stats("train", stats, schema=dict(train.schema))
    return render_baseline_yaml(
        profile, dataset=ref["name"], version=ref["version"], created=utc_now()
    )


def _thresholds(test: str) -> str:
    warn, fail = DEFAULT_THRESHOLDS[test]
    return f"    {test}: {{warn: {warn}, fail: {fail}}}"
