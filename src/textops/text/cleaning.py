"""Text cleaning: one scikit-learn transformer shared by training and serving.

:class:`TextCleaner` lower-cases, strips URLs and e-mail addresses, removes
punctuation, numbers, special characters and stop words, and folds whitespace.
The ``clean`` step and the scoring service import this same class, so the text
a model sees at training time and at serving time are cleaned identically.
:class:`CleaningSettings` is its validated form in ``textops.yaml``.

The work is vectorised over the whole column with Polars expressions (Rust
regular expressions): a handful of passes over the text, never a Python call
per row. Large batches are cut into one slice per Polars thread and cleaned in
parallel; a batch of one costs well under a millisecond.

What counts as what (Unicode general categories):

* punctuation: ``\\p{P}`` plus the ASCII symbols of Python's
  ``string.punctuation`` (``$+<=>^`|~``). Apostrophes (``'`` and ``’``) are
  deleted so that ``don't`` becomes ``dont``; everything else becomes a space,
  so ``e-mail`` becomes ``e mail``.
* numbers: ``\\p{N}`` (digits, fractions, Roman numerals...).
* special characters: the other symbols and control characters
  (``\\p{S}``, ``\\p{C}``: emoji, ``©``, ``€``, zero-width marks), whitespace
  excepted.
* stop words: a whole-word match, case-insensitive, from scikit-learn's
  ``ENGLISH_STOP_WORDS`` plus ``extra_stop_words`` (which are cleaned like the
  text first, so ``"Don't"`` removes ``dont``).

Importing this module is cheap (no scikit-learn, no Polars): the settings model
is part of the configuration schema, which the CLI loads at start-up.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    import numpy as np
    import polars as pl

__all__ = ["CleaningSettings", "TextCleaner"]

_URL = r"(?i)\b(?:https?://|ftp://|www\.)\S+"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_APOSTROPHES = r"['’]"
_ASCII_SYMBOLS = r"[\$+<=>^`|~]"  # string.punctuation's symbols that Unicode files under \p{S}
_PUNCTUATION = r"\p{P}" + _ASCII_SYMBOLS
_NUMBERS = r"\p{N}"
_SPECIAL = r"[[\p{S}\p{C}]--[\s\$+<=>^`|~]]"
_WHITESPACE = r"\s"
# below this many characters in a batch, one thread is faster than splitting it
_PARALLEL_MIN_CHARS = 2_000_000


class TextCleaner:
    """Clean raw text for classification; a scikit-learn transformer.

    Parameters
    ----------
    lowercase : bool, default=True
        Lower-case the text (Unicode-aware).
    strip_urls : bool, default=False
        Replace ``http://``, ``https://``, ``ftp://`` and ``www.`` addresses by a space.
    strip_emails : bool, default=False
        Replace e-mail addresses by a space.
    remove_punctuation : bool, default=True
        Replace punctuation by a space; delete apostrophes.
    remove_numbers : bool, default=True
        Replace numbers by a space.
    remove_special : bool, default=True
        Replace symbols and control characters (emoji, ``©``...) by a space.
    stop_words : {"english"} or None, default="english"
        The shipped list to remove (scikit-learn's ``ENGLISH_STOP_WORDS``), or
        ``None`` for none.
    extra_stop_words : sequence of str, default=()
        More words to remove, one word each, cleaned like the text first.
    fold_whitespace : bool, default=True
        Fold every run of whitespace into one space and trim both ends.

    Attributes
    ----------
    stop_words_ : frozenset of str
        The stop words removed, as they look after cleaning.

    ``transform`` accepts a list, tuple, 1-D NumPy array, pandas Series or
    Polars Series of ``str`` and returns a 1-D NumPy array of ``str`` (dtype
    ``object``) of the same length and order. Missing values are refused with
    the positions named. A text that cleans to nothing becomes ``""``.

    Fitting learns nothing from the data (``X`` may be omitted); it checks the
    parameters and prepares the stop-word pattern.
    """

    def __init__(
        self,
        *,
        lowercase: bool = True,
        strip_urls: bool = False,
        strip_emails: bool = False,
        remove_punctuation: bool = True,
        remove_numbers: bool = True,
        remove_special: bool = True,
        stop_words: Literal["english"] | None = "english",
        extra_stop_words: Sequence[str] = (),
        fold_whitespace: bool = True,
    ) -> None:
        self.lowercase = lowercase
        self.strip_urls = strip_urls
        self.strip_emails = strip_emails
        self.remove_punctuation = remove_punctuation
        self.remove_numbers = remove_numbers
        self.remove_special = remove_special
        self.stop_words = stop_words
        self.extra_stop_words = extra_stop_words
        self.fold_whitespace = fold_whitespace

    # -- the scikit-learn estimator contract, without importing scikit-learn --

    @classmethod
    def _get_param_names(cls) -> list[str]:
        """The constructor's keyword arguments, read from its signature as scikit-learn does."""
        parameters = inspect.signature(cls.__init__).parameters.values()
        return [p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments, as scikit-learn's ``get_params``."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params: Any) -> TextCleaner:
        """Set constructor arguments, as scikit-learn's ``set_params``."""
        for name, value in params.items():
            if name not in self._get_param_names():
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator {self!r}. "
                    f"Valid parameters are: {self._get_param_names()!r}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = TextCleaner()
        changed = [
            f"{name}={getattr(self, name)!r}"
            for name in self._get_param_names()
            if getattr(self, name) != getattr(defaults, name)
        ]
        return f"TextCleaner({', '.join(changed)})"

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "stop_words_")

    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags

        return Tags(
            estimator_type=None,
            target_tags=TargetTags(required=False),
            transformer_tags=TransformerTags(preserves_dtype=[]),
            input_tags=InputTags(one_d_array=True, two_d_array=False, string=True),
        )

    # -- fitting and cleaning ---------------------------------------------------

    def fit(self, X: Any = None, y: Any = None) -> TextCleaner:  # noqa: N803 - sklearn naming
        """Check the parameters and prepare the stop words; ``X`` is not used."""
        self._check_params()
        words: set[str] = set()
        if self.stop_words == "english":
            from sklearn.feature_extraction._stop_words import ENGLISH_STOP_WORDS

            words.update(ENGLISH_STOP_WORDS)
        words.update(self.extra_stop_words)
        if words:
            import polars as pl

            ordered = sorted(words)
            cleaned = (
                pl.DataFrame({"word": ordered}, schema={"word": pl.String})
                .select(_chain(pl.col("word"), self._steps()).str.strip_chars())
                .to_series()
                .to_list()
            )
            words = {word.lower() for word in cleaned if word}
        self.stop_words_ = frozenset(words)
        # longest first, so that a phrase wins over the word it starts with
        ordered_words = sorted(self.stop_words_, key=lambda word: (-len(word), word))
        alternation = "|".join(re.escape(word) for word in ordered_words)
        self._stop_pattern_ = (
            rf"(?i)\b(?:{alternation})\b" + (r"\s*" if self.fold_whitespace else "")
            if alternation
            else None
        )
        return self

    def transform(self, X: Any) -> np.ndarray:  # noqa: N803 - sklearn naming
        """Clean every text; returns a NumPy array of ``str`` of the same length."""
        if not self.__sklearn_is_fitted__():
            from sklearn.exceptions import NotFittedError

            raise NotFittedError(
                "This TextCleaner instance is not fitted yet. Call 'fit' (it needs no data) "
                "before using this estimator."
            )
        import polars as pl

        texts = _as_string_series(X)
        steps = self._steps()
        if self._stop_pattern_ is not None:
            steps.append((self._stop_pattern_, ""))
        expr = _chain(pl.col("text"), steps)
        if self.fold_whitespace:
            expr = expr.str.strip_chars()
        return _run(texts, expr).to_numpy()

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:  # noqa: N803 - sklearn naming
        """``fit`` then ``transform``."""
        return self.fit(X, y).transform(X)

    def _steps(self) -> list[tuple[str, str] | str]:
        """The passes before stop-word removal: (pattern, replacement) or an op name."""
        steps: list[tuple[str, str] | str] = []
        if self.strip_urls:
            steps.append((_URL, " "))
        if self.strip_emails:
            steps.append((_EMAIL, " "))
        if self.lowercase:
            steps.append("lowercase")
        if self.remove_punctuation:
            steps.append((_APOSTROPHES, ""))
        removed = [
            part
            for part, is_on in (
                (_PUNCTUATION, self.remove_punctuation),
                (_NUMBERS, self.remove_numbers),
                (_SPECIAL, self.remove_special),
                (_WHITESPACE, self.fold_whitespace),
            )
            if is_on
        ]
        if removed:
            # One pass: every run of removed characters (and whitespace) becomes one
            # space. A lone space between words is left alone rather than replaced by
            # itself: that is most of the matches, and skipping them halves the pass.
            chars = "".join(removed)
            if self.fold_whitespace:
                steps.append((f"(?:[[{chars}]--[ ]][{chars}]*| [{chars}]+)", " "))
            else:
                steps.append((f"[{chars}]+", " "))
        return steps

    def _check_params(self) -> None:
        for name in self._get_param_names():
            value = getattr(self, name)
            if name == "stop_words":
                if value not in ("english", None):
                    raise ValueError(
                        "The 'stop_words' parameter of TextCleaner must be 'english' or None. "
                        f"Got {value!r} instead."
                    )
            elif name == "extra_stop_words":
                if isinstance(value, str) or not all(
                    isinstance(word, str) and word.strip() and len(word.split()) == 1
                    for word in value
                ):
                    raise ValueError(
                        "The 'extra_stop_words' parameter of TextCleaner must be a list of "
                        f"single words (non-empty str without spaces). Got {value!r} instead."
                    )
            elif not isinstance(value, bool):
                raise ValueError(
                    f"The {name!r} parameter of TextCleaner must be an instance of 'bool'. "
                    f"Got {value!r} instead."
                )


def _chain(expr: pl.Expr, steps: list[tuple[str, str] | str]) -> pl.Expr:
    for step in steps:
        if isinstance(step, tuple):
            pattern, replacement = step
            expr = expr.str.replace_all(pattern, replacement)
        else:  # "lowercase"
            expr = expr.str.to_lowercase()
    return expr


def _run(texts: pl.Series, expr: pl.Expr) -> pl.Series:
    """Evaluate ``expr`` over ``texts``; big batches one slice per Polars thread."""
    import polars as pl

    n_slices = min(pl.thread_pool_size(), max(1, len(texts) // 1000))
    if n_slices < 2 or texts.str.len_bytes().sum() < _PARALLEL_MIN_CHARS:
        return pl.DataFrame({"text": texts}).select(expr).to_series()
    size = -(-len(texts) // n_slices)
    frames = [
        pl.LazyFrame({"text": texts.slice(start, size)}).select(expr)
        for start in range(0, len(texts), size)
    ]
    return pl.concat(pl.collect_all(frames)).to_series()


def _as_string_series(X: Any) -> pl.Series:  # noqa: N803 - sklearn naming
    """A Polars String series from any supported container, or a clear error."""
    import numpy as np
    import polars as pl

    if isinstance(X, str | bytes):
        raise ValueError(
            "TextCleaner expects a sequence of texts, got a single string; wrap it in a list."
        )
    if isinstance(X, pl.Series):
        series = X
    elif type(X).__module__.startswith("pandas"):
        try:
            converted = pl.from_pandas(X)  # zero-copy for Arrow-backed strings
        except (TypeError, ValueError, pl.exceptions.PolarsError) as exc:
            raise ValueError(f"TextCleaner expects str values: {exc}") from exc
        if not isinstance(converted, pl.Series):
            raise ValueError(
                f"TextCleaner expects a 1-D sequence of str, got a {type(X).__name__}; "
                "pass one column (a Series)."
            )
        series = converted
    else:
        if not isinstance(X, np.ndarray) and not hasattr(X, "__len__"):
            X = list(X)  # a generator or another one-pass iterable
        array = np.asarray(X, dtype=object) if not isinstance(X, np.ndarray) else X
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1:
            raise ValueError(f"TextCleaner expects a 1-D sequence of str, got shape {array.shape}.")
        try:
            series = pl.Series("text", array, dtype=pl.String, strict=True)
        except (TypeError, pl.exceptions.PolarsError) as exc:
            bad = next((v for v in array if v is not None and not isinstance(v, str)), None)
            raise ValueError(
                "TextCleaner expects str values, got "
                f"{type(bad).__name__ if bad is not None else 'another type'} ({bad!r})."
            ) from exc
    if series.dtype != pl.String:
        if series.dtype in (pl.Categorical, pl.Enum):
            series = series.cast(pl.String)
        else:
            raise ValueError(f"TextCleaner expects str values, got a column of {series.dtype}.")
    if series.null_count():
        rows = series.is_null().arg_true().head(5).to_list()
        raise ValueError(
            f"TextCleaner got {series.null_count()} missing text(s) (rows {rows}"
            f"{'...' if series.null_count() > 5 else ''}); fill or drop them first."
        )
    return series.rename("text")


class CleaningSettings(BaseModel):
    """The ``clean`` settings in ``textops.yaml``; :meth:`build` makes the cleaner."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lowercase: bool = True
    strip_urls: bool = False
    strip_emails: bool = False
    remove_punctuation: bool = True
    remove_numbers: bool = True
    remove_special: bool = True
    stop_words: Literal["english"] | None = "english"
    extra_stop_words: tuple[str, ...] = Field(
        default=(), description="more words to remove, one word each"
    )
    fold_whitespace: bool = True

    @field_validator("extra_stop_words")
    @classmethod
    def _single_words(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for word in value:
            if not word.strip() or len(word.split()) != 1:
                raise ValueError(f"each extra stop word must be one word, got {word!r}")
        return value

    def build(self) -> TextCleaner:
        """A fitted :class:`TextCleaner` with these settings (fitting needs no data)."""
        return TextCleaner(**self.model_dump()).fit()
