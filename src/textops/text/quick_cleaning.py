"""A per-text cleaning path for small batches, giving exactly what :class:`TextCleaner` gives.

:class:`TextCleaner` runs Polars expressions over a column: a fixed cost of a
few hundred microseconds per call, whatever the batch. A scoring service cleans
one text or a few per request, so :class:`QuickCleaner` cleans ASCII texts in
plain Python (``str.translate`` and a split) and hands every other text to the
very :class:`TextCleaner` it wraps, in one call.

Why the result is the same, character for character: on ASCII text every
Unicode class the cleaner uses is a fixed, version-independent set of ASCII
characters (punctuation ``\\p{P}`` is ``!"#%&'()*,-./:;?@[\\]_{}``, the symbols
are ``$+<=>^`|~``, numbers are ``0-9``, controls ``\\x00-\\x1f\\x7f``, Rust's
``\\s`` is ``\\t\\n\\v\\f\\r`` and space), Python's ``re`` with ``re.ASCII`` matches
the URL and e-mail patterns as Rust's regex does, and folding whitespace turns
the text into single-space separated tokens. Stop-word removal is then a token
filter, which equals the cleaner's ``\\b(?:words)\\b\\s*`` pattern as long as
every token is made of word characters only and every stop word is lower-case
letters; a text with any other token is handed to :class:`TextCleaner`. A
cleaner that does not fold whitespace, or whose stop words hold other
characters, cleans everything with :class:`TextCleaner`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from textops.text.cleaning import _EMAIL, _URL, TextCleaner

__all__ = ["QuickCleaner"]

_PUNCTUATION = "!\"#%&'()*,-./:;?@[\\]_{}" + "$+<=>^`|~"
_NUMBERS = "0123456789"
_SPECIAL = "".join(chr(i) for i in (*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F))
_WHITESPACE = "\t\n\x0b\x0c\r "
_WORD_TOKENS = re.compile(r"[A-Za-z0-9_ ]*")
_LETTERS = re.compile(r"[a-z]+")


class QuickCleaner:
    """Cleans like the fitted ``cleaner``; ASCII texts in plain Python, others through it."""

    def __init__(self, cleaner: TextCleaner, *, max_quick: int = 1024) -> None:
        if not cleaner.__sklearn_is_fitted__():
            cleaner = cleaner.fit()
        self.cleaner = cleaner
        #: larger batches go to :class:`TextCleaner` whole (its Polars pass wins there)
        self.max_quick = max_quick
        stops = cleaner.stop_words_
        #: whether any text can take the plain-Python path
        self.is_quick = cleaner.fold_whitespace and all(_LETTERS.fullmatch(w) for w in stops)
        self._stops = stops
        self._url = re.compile(_URL, re.ASCII) if cleaner.strip_urls else None
        self._email = re.compile(_EMAIL, re.ASCII) if cleaner.strip_emails else None
        self._table = str.maketrans(dict.fromkeys(_removed(cleaner), " "))

    def transform(self, texts: Sequence[str]) -> list[str]:
        """The cleaned texts, in order (as ``TextCleaner.transform(texts).tolist()``)."""
        if len(texts) > self.max_quick:
            return self.cleaner.transform(list(texts)).tolist()  # type: ignore[no-any-return]
        out: list[str | None] = [self._quick(text) if self.is_quick else None for text in texts]
        rest = [i for i, text in enumerate(out) if text is None]
        if rest:
            cleaned = self.cleaner.transform([texts[i] for i in rest]).tolist()
            for i, text in zip(rest, cleaned, strict=True):
                out[i] = text
        return out  # type: ignore[return-value]  # every None was filled above

    def _quick(self, text: str) -> str | None:
        """The cleaned ASCII ``text``, or None when it must go through :class:`TextCleaner`."""
        if not text.isascii():
            return None
        if self._url is not None:
            text = self._url.sub(" ", text)
        if self._email is not None:
            text = self._email.sub(" ", text)
        cleaner = self.cleaner
        if cleaner.lowercase:
            text = text.lower()
        if cleaner.remove_punctuation:
            text = text.replace("'", "")
        text = text.translate(self._table)
        stops = self._stops
        if not stops:
            return " ".join(t for t in text.split(" ") if t)
        if _WORD_TOKENS.fullmatch(text) is None:
            return None  # a token with other characters: word boundaries inside it
        return " ".join(t for t in text.split(" ") if t and t.lower() not in stops)


def _removed(cleaner: TextCleaner) -> str:
    """The ASCII characters the cleaner turns into a space (whitespace: folding)."""
    parts = (
        (_PUNCTUATION, cleaner.remove_punctuation),
        (_NUMBERS, cleaner.remove_numbers),
        (_SPECIAL, cleaner.remove_special),
        (_WHITESPACE, cleaner.fold_whitespace),
    )
    return "".join(chars for chars, is_on in parts if is_on)
