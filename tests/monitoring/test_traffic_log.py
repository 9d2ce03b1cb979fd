"""The request log: rows per text with the profile's statistics, flushed off the request path."""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from support.traffic import batch
from textops.monitoring import TrafficLog
from textops.monitoring.reading import read_traffic
from textops.monitoring.traffic import REQUESTS, TERMS
from textops.store import Store

ENGLISH = "I was charged twice for my invoice last month, please refund me"
SPANISH = "Hola, me cobraron dos veces la factura del mes pasado, quiero un reembolso"


def _files(root: Path, folder: tuple[str, ...]) -> list[Path]:
    return sorted(root.joinpath(*folder).glob("*"))


def _wait_for(predicate: object, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the log did not write in time"
        time.sleep(0.05)


def test_batches_become_one_row_per_text_with_the_profile_statistics(tmp_path: Path) -> None:
    with TrafficLog(tmp_path, flush_seconds=60, vocabulary=["charged", "invoice", "refund"]) as log:
        log(batch([ENGLISH, SPANISH], ["billing", "billing"], confidence=0.9))
        log(batch(["", "refund refund"], ["account", "billing"], version=2))
        assert log.pending == 4 and not _files(tmp_path, REQUESTS)  # buffered, nothing written
        written = log.flush()
    assert written is not None and written.startswith("monitoring/requests/")
    rows = pl.read_parquet(tmp_path / written)
    assert rows["position"].to_list() == [0, 1, 0, 1]
    assert rows["model_version"].to_list() == [1, 1, 2, 2]
    assert rows["label"].to_list() == ["billing", "billing", "account", "billing"]
    assert rows["is_english"].to_list() == [True, False, False, False]
    assert rows["is_empty"].to_list() == [False, False, True, False]
    assert rows["chars"][0] == len(ENGLISH) and rows["words"][0] == 12
    assert rows["oov_share"][3] == 0.0 and rows["oov_share"][2] is None  # no tokens, no share
    assert rows["oov_share"][0] == pytest.approx(9 / 12)
    assert rows["request"][0] == rows["request"][1] != rows["request"][2]
    assert rows["sentiment"][0] is not None and rows["language"][1] == "es"
    assert "text" not in rows.columns and "cleaned" not in rows.columns  # not without keep_text
    terms = pl.read_parquet(tmp_path / written.replace("requests", "terms"))
    named = dict(terms.filter(pl.col("model_version") == 1).select("term", "documents").iter_rows())
    assert named == {"charged": 1, "invoice": 1, "refund": 1, None: named[None]}
    assert named[None] > 0  # every other term pooled, unnamed


def test_keep_text_stores_the_texts_and_every_term(tmp_path: Path) -> None:
    with TrafficLog(Store(str(tmp_path)), keep_text=True) as log:
        log(batch([ENGLISH], ["billing"]))
    (file,) = _files(tmp_path, REQUESTS)
    rows = pl.read_parquet(file)
    assert rows["text"].to_list() == [ENGLISH] and rows["cleaned"].to_list() == [ENGLISH.lower()]
    terms = pl.read_parquet(_files(tmp_path, TERMS)[0])
    assert {"charged", "invoice", "month", "refund"} <= set(terms["term"].to_list())


def test_without_vocabulary_or_text_no_term_is_named(tmp_path: Path) -> None:
    with TrafficLog(tmp_path) as log:
        log(batch([ENGLISH], ["billing"]))
    assert len(_files(tmp_path, REQUESTS)) == 1 and not _files(tmp_path, TERMS)
    assert pl.read_parquet(_files(tmp_path, REQUESTS)[0])["oov_share"].to_list() == [None]


def test_the_background_thread_flushes_every_interval(tmp_path: Path) -> None:
    log = TrafficLog(tmp_path, flush_seconds=0.2)
    try:
        log(batch([ENGLISH], ["billing"]))
        _wait_for(lambda: len(_files(tmp_path, REQUESTS)) == 1)  # no flush() called
        log(batch([SPANISH, ENGLISH], ["billing", "account"]))
        _wait_for(lambda: len(_files(tmp_path, REQUESTS)) == 2)  # appended, not rewritten
        assert log.pending == 0
        assert read_traffic(Store(str(tmp_path))).rows.height == 3
    finally:
        log.close()
    assert len(_files(tmp_path, REQUESTS)) == 2  # closing with nothing pending writes nothing


def test_the_log_is_readable_while_written_and_never_shows_a_partial_file(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    seen: list[int] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                seen.append(read_traffic(store).rows.height)
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                failures.append(exc)

    with TrafficLog(store, flush_seconds=0.05) as log:
        log(batch([ENGLISH], ["billing"]))
        _wait_for(lambda: log.pending == 0 and _files(tmp_path, REQUESTS))
        thread = threading.Thread(target=reader)
        thread.start()
        for _ in range(20):
            log(batch([ENGLISH, SPANISH], ["billing", "billing"]))
            time.sleep(0.02)
    stop.set()
    thread.join()
    assert not failures, failures[0]
    assert seen and seen == sorted(seen)  # rows only ever appear, whole files at a time
    assert read_traffic(store).rows.height == 41
    assert all(p.suffix == ".parquet" for p in _files(tmp_path, REQUESTS))  # no temporary left


def test_a_failed_write_keeps_the_texts_and_leaves_nothing_a_reader_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textops.errors import StoreError

    store = Store(str(tmp_path))
    write = store.write_bytes

    def refuse_requests(data: bytes, *parts: str) -> None:
        if parts[:2] == REQUESTS:
            raise StoreError("disk full")
        write(data, *parts)

    with TrafficLog(store, flush_seconds=60, vocabulary=["refund"]) as log:
        log(batch([ENGLISH], ["billing"]))
        monkeypatch.setattr(store, "write_bytes", refuse_requests)
        with pytest.raises(StoreError):
            log.flush()
        assert log.pending == 1  # kept for the next flush
        assert len(_files(tmp_path, TERMS)) == 1  # written first, but not committed
        window = read_traffic(store)
        assert window.rows.height == 0 and window.terms is None
        monkeypatch.setattr(store, "write_bytes", write)
    window = read_traffic(store)
    assert window.rows.height == 1 and window.terms is not None
    # charged, twice, invoice, month, refund: once, though the orphan terms file holds them too
    assert window.terms["documents"].sum() == 5


def test_bad_batches_and_a_closed_log_are_refused(tmp_path: Path) -> None:
    log = TrafficLog(tmp_path)
    wrong = dataclasses.replace(batch([ENGLISH, SPANISH], ["billing", "billing"]),
                                labels=["billing"])
    with pytest.raises(ValueError, match="2 texts has fields of other lengths: {'labels': 1}"):
        log(wrong)
    log.close()
    with pytest.raises(RuntimeError, match="closed"):
        log(batch([ENGLISH], ["billing"]))
    with pytest.raises(ValueError, match="flush_seconds must be a positive number"):
        TrafficLog(tmp_path, flush_seconds=0)


def test_a_window_keeps_its_time_and_model(tmp_path: Path) -> None:
    early = datetime(2024, 1, 1, tzinfo=UTC)
    with TrafficLog(tmp_path) as log:
        log(batch([ENGLISH], ["billing"], time=early))
        log(batch([SPANISH], ["billing"], version=2))
    store = Store(str(tmp_path))
    assert read_traffic(store, model_version=2).rows.height == 1
    recent = read_traffic(store, start=datetime(2025, 1, 1, tzinfo=UTC))
    assert recent.rows["model_version"].to_list() == [2]


def test_a_log_that_cannot_keep_up_keeps_the_newest_texts_within_its_bound(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with TrafficLog(tmp_path, flush_seconds=60, max_pending_texts=10, keep_text=True) as log:
        for i in range(5):  # 20 texts, 4 a batch, against room for 10
            log(batch([f"{ENGLISH} {i}"] * 4, ["billing"] * 4))
        assert log.pending == 8 and log.dropped == 12  # the three oldest batches
        log._warn_dropped()
        assert "dropped the 12 oldest texts" in caplog.text
        log._warn_dropped()  # nothing new: no second warning
        assert caplog.text.count("dropped the") == 1
    rows = read_traffic(Store(str(tmp_path))).rows
    assert sorted(set(rows["text"])) == [f"{ENGLISH} 3", f"{ENGLISH} 4"] and rows.height == 8
