"""The request log: every scored text's statistics, appended to the store off the request path.

A scoring service hands each scored batch to a :class:`TrafficLog` (``log(batch)``
only copies it into a buffer). A background thread turns the buffer into rows
every ``flush_seconds``, with the statistics of the data profile
(:func:`textops.text.stats.compute_doc_stats`: lengths, character shares, VADER
sentiment, language), and appends them to the store:

``monitoring/requests/<UTC time>-<random>.parquet``, one row per text:

===================== ========================================================
``time``               when the batch was scored (UTC)
``request``            id of the batch (texts scored together share it)
``position``           the text's place in its batch
``model_name``         registered model that scored it
``model_version``      its version
``label``              predicted label
``confidence``         probability of the predicted label
``chars``, ``words``   characters and words (the profile's char/word counts)
``mean_word_length``,  the profile's other statistics, under their own names
``stop_word_rate``, ``digit_share``, ``punctuation_share``, ``uppercase_share``,
``non_letter_share``, ``sentiment``, ``language``, ``language_confidence``
``is_english``         detected language is English
``is_empty``           no visible character
``oov_share``          share of the cleaned text's tokens outside the model's
                       vocabulary (null without a vocabulary or without tokens)
``text_hash``          BLAKE2b-64 of the raw text (hex): repeats without the text
``text``, ``cleaned``  only with ``keep_text``
===================== ========================================================

``monitoring/terms/<same name>.parquet``: per model version, how many texts of
the flush hold each vocabulary term (the profile's terms, document
frequencies), for the vocabulary drift test: ``model_name``, ``model_version``,
``first_time``, ``last_time``, ``term``, ``documents``. Only terms of the
model's ``vocabulary`` are named (every term with ``keep_text``); the row with
a null ``term`` counts all the others. Without either, no term file is written.

Each file is written whole to a temporary name and renamed (one PUT on an object
store), the terms file before its requests file: a reader listing ``*.parquet``
never sees a partial file, and a terms file counts only once its requests file
exists. A crash loses at most the texts of one interval.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import uuid
from collections import deque
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from textops.store.store import Store

if TYPE_CHECKING:
    import polars as pl

#: Folders of the log inside the store.
REQUESTS = ("monitoring", "requests")
TERMS = ("monitoring", "terms")
#: Profile statistics renamed for SQL (the others keep their names).
RENAMED = {"char_count": "chars", "word_count": "words"}
#: Texts a log keeps buffered while the store refuses writes; past it the oldest are dropped.
MAX_PENDING_TEXTS = 1_000_000

logger = logging.getLogger("textops.monitoring")


@dataclass(frozen=True)
class ScoredBatch:
    """One scored request, as a service hands it to the log: texts in request order.

    ``time`` is when the request was scored (UTC); ``texts`` are raw as sent,
    ``cleaned`` as the model saw them; ``probabilities`` map every label to its
    probability, ``confidences`` are those of the predicted ``labels``.
    """

    time: datetime
    model_name: str
    model_version: int
    texts: list[str]
    cleaned: list[str]
    labels: list[str]
    confidences: list[float]
    probabilities: list[dict[str, float]]


def _entry(batch: ScoredBatch) -> ScoredBatch:
    """The batch as buffered: checked, its time in UTC, its lists copied (the caller may
    reuse them) and its probabilities left out (the log does not store them)."""
    n = len(batch.texts)
    lengths = {
        "cleaned": len(batch.cleaned), "labels": len(batch.labels),
        "confidences": len(batch.confidences), "probabilities": len(batch.probabilities),
    }
    wrong = {name: length for name, length in lengths.items() if length != n}
    if wrong:
        raise ValueError(f"a scored batch of {n} texts has fields of other lengths: {wrong}")
    time = batch.time if batch.time.tzinfo else batch.time.replace(tzinfo=UTC)
    return ScoredBatch(
        time.astimezone(UTC), str(batch.model_name), int(batch.model_version),
        list(batch.texts), list(batch.cleaned), [str(x) for x in batch.labels],
        [float(x) for x in batch.confidences], probabilities=[],
    )


class TrafficLog:
    """A callable sink for scored batches that appends their statistics to the store.

    ``store`` is a :class:`~textops.store.store.Store` or its URL. ``vocabulary``
    (the model's terms) gives ``oov_share`` and the term counts; ``keep_text``
    also stores the raw and cleaned texts. At most ``max_pending_texts`` wait to be
    written: past that (writes or statistics slower than the traffic, a store that
    refuses writes) the oldest are dropped, counted in ``dropped`` and named in one
    warning per interval. Use it as a context manager, or call :meth:`close` (which
    flushes) when the service stops.
    """

    def __init__(
        self,
        store: Store | str,
        *,
        flush_seconds: float = 5.0,
        keep_text: bool = False,
        vocabulary: Collection[str] | None = None,
        max_pending_texts: int = MAX_PENDING_TEXTS,
    ) -> None:
        if not flush_seconds > 0:
            raise ValueError(f"flush_seconds must be a positive number; got {flush_seconds!r}")
        self.store = store if isinstance(store, Store) else Store(store)
        self.flush_seconds = float(flush_seconds)
        self.keep_text = keep_text
        self._vocabulary = None if vocabulary is None else _vocabulary_series(vocabulary)
        self.max_pending_texts = max_pending_texts
        self.dropped = 0  # texts dropped, the oldest first, while writes could not keep up
        self._reported = 0  # of those, how many a warning has named
        self._pending: deque[ScoredBatch] = deque()
        self._pending_texts = 0
        self._lock = threading.Lock()  # guards _pending, _pending_texts and dropped
        self._flushing = threading.Lock()  # one flush at a time
        self._stop = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="textops-traffic-log", daemon=True)
        self._thread.start()

    def __call__(self, batch: ScoredBatch) -> None:
        """Buffer one scored batch (cheap: a copy of its lists)."""
        if self._closed:
            raise RuntimeError("this TrafficLog is closed; make a new one")
        entry = _entry(batch)
        with self._lock:
            self._pending.append(entry)
            self._pending_texts += len(entry.texts)
            self._trim()

    @property
    def pending(self) -> int:
        """Texts buffered and not yet written."""
        with self._lock:
            return self._pending_texts

    def flush(self) -> str | None:
        """Write everything buffered now; returns the requests file written (None: nothing)."""
        with self._flushing:
            with self._lock:
                entries, self._pending = list(self._pending), deque()
                self._pending_texts = 0
            if not entries:
                return None
            try:
                return self._write(entries)
            except BaseException:
                self._requeue(entries)
                raise

    def close(self) -> None:
        """Stop the background thread and write what is left (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        self._thread.join()
        self.flush()

    def __enter__(self) -> TrafficLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - a failed write must not stop the log
                logger.exception("the request log could not be written; retrying next interval")
            self._warn_dropped()

    def _requeue(self, entries: list[ScoredBatch]) -> None:
        with self._lock:
            self._pending.extendleft(reversed(entries))
            self._pending_texts += sum(len(entry.texts) for entry in entries)
            self._trim()
        self._warn_dropped()

    def _trim(self) -> None:
        """Drop the oldest batches past ``max_pending_texts`` (the newest always stays);
        the caller holds the lock."""
        while self._pending_texts > self.max_pending_texts and len(self._pending) > 1:
            oldest = self._pending.popleft()
            self._pending_texts -= len(oldest.texts)
            self.dropped += len(oldest.texts)

    def _warn_dropped(self) -> None:
        """One warning per interval for the texts dropped since the last one."""
        with self._lock:
            new, self._reported = self.dropped - self._reported, self.dropped
        if new:
            logger.warning("request log buffer full (%d texts): dropped the %d oldest texts; "
                           "the store's writes or the statistics cannot keep up",
                           self.max_pending_texts, new)

    def _write(self, entries: list[ScoredBatch]) -> str:
        rows, terms = traffic_frames(
            entries, vocabulary=self._vocabulary, keep_text=self.keep_text
        )
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}.parquet"
        if terms is not None:
            self.store.write_bytes(_parquet(terms), *TERMS, name)
        self.store.write_bytes(_parquet(rows), *REQUESTS, name)  # the commit
        return "/".join((*REQUESTS, name))


def _vocabulary_series(vocabulary: Collection[str]) -> pl.Series:
    import polars as pl

    return pl.Series("vocabulary", sorted({str(term).lower() for term in vocabulary}))


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", statistics=True)
    return buffer.getvalue()


def text_hash(text: str) -> str:
    """BLAKE2b-64 of a text, in hex: the log's stable fingerprint of a text."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def traffic_frames(
    entries: Sequence[ScoredBatch], *, vocabulary: pl.Series | None, keep_text: bool
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """(one row per text, term counts or None) for buffered batches; see the module docstring."""
    import polars as pl

    from textops.text.language import ENGLISH
    from textops.text.stats import compute_doc_stats

    base = _batch_columns(entries)
    texts = [text for entry in entries for text in entry.texts]
    stats = compute_doc_stats(pl.DataFrame({"id": range(len(texts)), "text": texts},
                                           schema={"id": pl.Int64, "text": pl.String}))
    measured = stats.select(
        *[pl.col(old).alias(RENAMED[old]).cast(pl.Int64) for old in RENAMED],
        *[pl.col(old) for old in _LOGGED_STATISTICS],
        pl.col("language"), pl.col("language_confidence"),
        (pl.col("language") == ENGLISH).fill_null(False).alias("is_english"),
        pl.col("is_empty_text").alias("is_empty"),
    )
    cleaned = [text for entry in entries for text in entry.cleaned]
    rows = pl.concat([base, measured], how="horizontal").with_columns(
        oov_share=_oov_shares(cleaned, vocabulary),
        text_hash=pl.Series([text_hash(text) for text in texts], dtype=pl.String),
    )
    if keep_text:
        rows = rows.with_columns(text=pl.Series(texts, dtype=pl.String),
                                 cleaned=pl.Series(cleaned, dtype=pl.String))
    if not keep_text and vocabulary is None:
        return rows, None
    return rows, _term_counts(rows, stats["terms"], None if keep_text else vocabulary)


_LOGGED_STATISTICS = (
    "mean_word_length", "stop_word_rate", "digit_share",
    "punctuation_share", "uppercase_share", "non_letter_share", "sentiment",
)


def _batch_columns(entries: Sequence[ScoredBatch]) -> pl.DataFrame:
    """What the service said of each text: when, by which model, which label."""
    import polars as pl

    def repeat(values: list[object]) -> list[object]:
        return [v for entry, v in zip(entries, values, strict=True) for _ in entry.texts]

    requests: list[object] = [uuid.uuid4().hex for _ in entries]
    return pl.DataFrame(
        {
            "time": repeat([e.time for e in entries]),
            "request": repeat(requests),
            "position": [i for entry in entries for i in range(len(entry.texts))],
            "model_name": repeat([e.model_name for e in entries]),
            "model_version": repeat([e.model_version for e in entries]),
            "label": [label for entry in entries for label in entry.labels],
            "confidence": [c for entry in entries for c in entry.confidences],
        },
        schema={"time": pl.Datetime("us", "UTC"), "request": pl.String, "position": pl.Int32,
                "model_name": pl.String, "model_version": pl.Int64, "label": pl.String,
                "confidence": pl.Float64},
    )


def _oov_shares(cleaned: list[str], vocabulary: pl.Series | None) -> pl.Series:
    """Per cleaned text, the share of its tokens (the tokenizer's ``\\w+``) outside vocabulary."""
    import polars as pl

    if vocabulary is None:
        return pl.Series("oov_share", [None] * len(cleaned), dtype=pl.Float64)
    tokens = pl.DataFrame({"tokens": cleaned}, schema={"tokens": pl.String}).select(
        pl.int_range(pl.len()).alias("row"),
        pl.col("tokens").str.to_lowercase().str.extract_all(r"\w+"),
    )
    flagged = tokens.explode("tokens").drop_nulls("tokens").with_columns(
        outside=(~pl.col("tokens").is_in(vocabulary.implode())).cast(pl.Float64)
    )
    shares = flagged.group_by("row").agg(pl.col("outside").mean().alias("oov_share"))
    return tokens.select("row").join(shares, on="row", how="left")["oov_share"]


def _term_counts(
    rows: pl.DataFrame, terms: pl.Series, vocabulary: pl.Series | None
) -> pl.DataFrame:
    """Documents per term and model version; terms outside ``vocabulary`` pooled as null."""
    import polars as pl

    keys = ["model_name", "model_version"]
    frame = rows.select(*keys, "time").with_columns(term=terms.list.unique())
    spans = frame.group_by(keys).agg(first_time=pl.col("time").min(),
                                      last_time=pl.col("time").max())
    exploded = frame.explode("term").drop_nulls("term")
    if vocabulary is not None:
        named = pl.col("term").is_in(vocabulary.implode())
        exploded = exploded.with_columns(term=pl.when(named).then(pl.col("term")))
    counts = exploded.group_by([*keys, "term"]).agg(documents=pl.len().cast(pl.Int64))
    return spans.join(counts, on=keys, how="inner").select(
        *keys, "first_time", "last_time", "term", "documents"
    ).sort([*keys, "term"], nulls_last=True)
