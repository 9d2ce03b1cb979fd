"""Raw texts to labels, probabilities and warnings, with a registered model's own files.

One path for both families: the bundle's classifier (a network's tokenizer or a
linear model's TF-IDF featuriser, then ONNX Runtime) behind the training's
:class:`~textops.text.cleaning.TextCleaner`. Warnings say where a text is
outside what the model was trained on:

``empty_after_cleaning``  nothing is left once cleaned: the model sees no word
``not_english``           the language detectors call it another language
``out_of_vocabulary``     most of its words are unknown to the model
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from textops.models.bundle import ProbabilityClassifier, PyfuncBundle
from textops.models.linear_export import OnnxLinearClassifier
from textops.models.quick_linear import quick_linear
from textops.models.tfidf_state import TfidfFeaturizer
from textops.models.tokenizer import TOKEN_PATTERN
from textops.text.quick_cleaning import QuickCleaner

__all__ = ["EMPTY", "NOT_ENGLISH", "OUT_OF_VOCABULARY", "Scorer", "TextScores", "WarningRules"]

EMPTY = "empty_after_cleaning"
NOT_ENGLISH = "not_english"
OUT_OF_VOCABULARY = "out_of_vocabulary"

WordSplitter = Callable[[str], list[str]]


@dataclass(frozen=True)
class WarningRules:
    """When a text earns a warning: its unknown-word share, and the words language needs."""

    oov_share: float = 0.5
    language_min_words: int = 4


@dataclass(frozen=True)
class TextScores:
    """The scores of a batch, in request order; ``probabilities`` columns follow ``labels``."""

    cleaned: list[str]
    labels: list[str]
    confidences: list[float]
    probabilities: np.ndarray
    warnings: list[list[str]]


class Scorer:
    """A loaded model: the training's cleaner, the featuriser and ONNX Runtime session."""

    def __init__(
        self, bundle: PyfuncBundle, *, threads: int = 1, rules: WarningRules | None = None
    ) -> None:
        self.family = bundle.family
        self.labels = list(bundle.labels)
        self.rules = rules or WarningRules()
        self._classifier: ProbabilityClassifier = bundle.classifier(threads=threads)
        self._predict = _quick_predict(self._classifier)
        self._cleaner = _cleaner(bundle.cleaning)
        self._split, self._known, self._ignored = _vocabulary(bundle)

    @property
    def vocabulary(self) -> frozenset[str] | None:
        """The words the model knows (None where it cannot tell, as for character n-grams)."""
        return self._known

    def clean(self, texts: Sequence[str]) -> list[str]:
        """The texts as training saw them (unchanged when the model was trained uncleaned)."""
        if self._cleaner is None:
            return list(texts)
        return self._cleaner.transform(texts)

    def score(self, texts: Sequence[str]) -> TextScores:
        """Labels, confidences, probabilities and warnings of raw ``texts``."""
        cleaned = self.clean(texts)
        probabilities = np.asarray(self._predict(cleaned), dtype=np.float64)
        best = probabilities.argmax(axis=1)
        return TextScores(
            cleaned=cleaned,
            labels=[self.labels[i] for i in best.tolist()],
            confidences=probabilities[np.arange(len(best)), best].tolist(),
            probabilities=probabilities,
            warnings=self.warnings(texts, cleaned),
        )

    def warnings(self, texts: Sequence[str], cleaned: Sequence[str]) -> list[list[str]]:
        """The warning codes of each text (see the module docstring)."""
        found: list[list[str]] = [[] for _ in texts]
        for i, text in enumerate(cleaned):
            words = [w for w in self._split(text) if w not in self._ignored]
            if not words:
                found[i].append(EMPTY)
            elif self._known is not None:
                unknown = sum(word not in self._known for word in words)
                if unknown > self.rules.oov_share * len(words):
                    found[i].append(OUT_OF_VOCABULARY)
        for i in self._foreign(texts):
            found[i].insert(0, NOT_ENGLISH)
        return found

    def _foreign(self, texts: Sequence[str]) -> list[int]:
        """Rows with enough words whose language is not English: the profile's cascade
        (fastText, py3langid where fastText is unsure), on lines prepared in plain Python,
        because the column-wise preparation costs milliseconds per call on a few texts."""
        from textops.text.language import (
            DEFAULT_CONFIRM_BELOW,
            DEFAULT_MAX_CHARS,
            ENGLISH,
            fasttext_languages,
            langid_languages,
        )

        judged = [i for i, t in enumerate(texts) if len(t.split()) >= self.rules.language_min_words]
        if not judged:
            return []
        lines = [_detection_line(texts[i], DEFAULT_MAX_CHARS) for i in judged]
        languages, confidences = fasttext_languages(lines)
        unsure = [k for k, (lang, conf) in enumerate(zip(languages, confidences, strict=True))
                  if lang != ENGLISH or conf < DEFAULT_CONFIRM_BELOW]
        if unsure:
            second, _ = langid_languages([lines[k] for k in unsure])
            for k, language in zip(unsure, second, strict=True):
                languages[k] = language
        return [i for i, language in zip(judged, languages, strict=True) if language != ENGLISH]

    def warm_up(self) -> None:
        """Load both language detectors and score once, so that no request pays for a
        first use (py3langid alone stalled the first requests for about 0.4 s)."""
        from textops.text.language import load_detectors

        load_detectors()
        self.score(["a warm up text to load the language detectors"])


def _detection_line(text: str, max_chars: int) -> str:
    """One line of at most ``max_chars``, lower-cased when mostly capitals (as
    :func:`textops.text.language.prepare_for_detection` does for a column)."""
    line = " ".join(text[: 2 * max_chars].split())[:max_chars]
    if len(line) <= 5:
        return line
    if line.isascii():  # str.isalpha / isupper on ASCII are [A-Za-z] / [A-Z]: counted in C
        upper = len(line) - len(line.translate(_NO_UPPER))
        letters = upper + len(line) - len(line.translate(_NO_LOWER))
    else:
        letters = sum(ch.isalpha() for ch in line)
        upper = sum(ch.isupper() for ch in line)
    return line.lower() if upper > 0.8 * letters else line


_NO_UPPER = str.maketrans("", "", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_NO_LOWER = str.maketrans("", "", "abcdefghijklmnopqrstuvwxyz")


def _cleaner(settings: dict[str, Any] | None) -> QuickCleaner | None:
    """The training's cleaner, on the per-text path that cleans exactly as it does."""
    if settings is None:
        return None
    from textops.text.cleaning import TextCleaner

    return QuickCleaner(TextCleaner(**settings).fit())


def _quick_predict(classifier: ProbabilityClassifier) -> Callable[[Sequence[str]], np.ndarray]:
    """The classifier's ``predict_proba``; for a linear model, the same numbers computed
    without scikit-learn's per-call overhead (:mod:`textops.models.quick_linear`)."""
    if isinstance(classifier, OnnxLinearClassifier):
        quick = quick_linear(classifier)
        if quick is not None:
            return quick.predict_proba
    return classifier.predict_proba


def _vocabulary(
    bundle: PyfuncBundle,
) -> tuple[WordSplitter, frozenset[str] | None, frozenset[str]]:
    """How the model splits a text into words, the words it knows (None: it cannot tell,
    as for character n-grams), and the words it drops on purpose (stop words)."""
    featurizer = bundle.tokenizer
    if isinstance(featurizer, TfidfFeaturizer):
        vectorizer = featurizer.vectorizer
        stop = frozenset(featurizer.settings.get("stop_words") or ())
        if featurizer.settings.get("analyzer") != "word":
            return _regex_words(lowercase=True), None, stop
        preprocess, tokenize = vectorizer.build_preprocessor(), vectorizer.build_tokenizer()
        return (lambda text: tokenize(preprocess(text))), frozenset(featurizer.terms), stop
    split = _regex_words(lowercase=featurizer.lowercase)
    return split, frozenset(featurizer.index_), frozenset()


def _regex_words(*, lowercase: bool) -> WordSplitter:
    pattern = re.compile(TOKEN_PATTERN)
    if lowercase:
        return lambda text: pattern.findall(text.lower())
    return pattern.findall
