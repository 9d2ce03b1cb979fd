"""The request log off the request path: the service's buffer, its hand-over, the child process."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np

from support.traffic import LineSink, batch
from textops.serving.batch import ScoredBatch, ScoredRequest, scored_batch
from textops.serving.process_sink import ProcessSink
from textops.serving.scoring import TextScores
from textops.serving.sink import SinkWorker


def test_batches_reach_the_sink_in_the_child_and_close_waits_for_it(tmp_path: Path) -> None:
    out = tmp_path / "log.txt"
    sink = ProcessSink(partial(LineSink, str(out)))
    sink(batch(["one text", "two texts"], ["a", "b"], version=3))
    sink(batch(["three"], ["a"], version=4))
    sink.close()
    assert out.read_text().splitlines() == ["3\tone text", "3\ttwo texts", "4\tthree", "closed"]
    assert not sink.is_alive and sink.dropped == 0


def test_a_full_queue_drops_and_counts_instead_of_blocking(tmp_path: Path) -> None:
    sink = ProcessSink(partial(LineSink, str(tmp_path / "log.txt")), capacity=1)
    for _ in range(200):
        sink(batch(["text"], ["a"]))
    sink.close()
    assert sink.dropped > 0


def test_a_child_that_dies_never_blocks_the_service(tmp_path: Path) -> None:
    sink = ProcessSink(partial(int, "not a sink"), capacity=2)  # the factory raises in the child
    for _ in range(50):
        sink(batch(["text"], ["a"]))
    sink.close(timeout=10)
    assert not sink.is_alive


def test_the_service_buffer_hands_a_whole_interval_over_at_once(tmp_path: Path) -> None:
    out = tmp_path / "log.txt"
    sink = ProcessSink(partial(LineSink, str(out)))
    worker = SinkWorker(sink, interval=60)  # nothing drains before close
    for version, texts in [(3, ["one text", "two texts"]), (4, ["three"])]:
        scores = TextScores(cleaned=[t.upper() for t in texts], labels=["a"] * len(texts),
                            confidences=[0.75] * len(texts),
                            probabilities=np.array([[0.75, 0.25]] * len(texts)),
                            warnings=[[] for _ in texts])
        assert worker.submit(("model", version), ["a", "b"], texts, scores)
    worker.close()
    assert out.read_text().splitlines() == ["3\tone text", "3\ttwo texts", "4\tthree", "closed"]
    assert sink.dropped == 0 and worker.dropped == 0


def test_a_buffered_request_becomes_the_batch_a_log_reads() -> None:
    request = (datetime(2026, 1, 2, tzinfo=UTC), "model", 7, ["neg", "pos"], ["Good!"], ["good"],
               ["pos"], [0.9], np.array([[0.1, 0.9]]))
    assert scored_batch(request) == ScoredBatch(
        time=datetime(2026, 1, 2, tzinfo=UTC), model_name="model", model_version=7,
        texts=["Good!"], cleaned=["good"], labels=["pos"], confidences=[0.9],
        probabilities=[{"neg": 0.1, "pos": 0.9}],
    )


class _Bulk:
    def __init__(self) -> None:
        self.calls: list[int] = []

    def put_requests(self, requests: list[ScoredRequest]) -> int:
        self.calls.append(len(requests))
        return 5  # as if five had no room


def test_a_request_sink_gets_one_call_per_interval_not_one_per_request() -> None:
    bulk = _Bulk()
    counted: list[int] = []
    worker = SinkWorker(bulk, interval=60, on_dropped=counted.append)
    scores = TextScores(cleaned=["x"], labels=["a"], confidences=[1.0],
                        probabilities=np.array([[1.0]]), warnings=[[]])
    for _ in range(25):
        worker.submit(("model", 1), ["a"], ["x"], scores)
    worker.close()
    assert bulk.calls == [25]
    assert worker.dropped == 5 and counted == [5]  # what the sink dropped reaches the metrics


class _SlowSink:
    """A sink slower than the traffic: its backlog must stay bounded."""

    def __call__(self, scored: ScoredBatch) -> None:
        import time

        time.sleep(0.05)


def test_a_child_slower_than_the_traffic_keeps_a_bounded_backlog_and_counts_the_rest() -> None:
    sink = ProcessSink(_SlowSink, capacity=50)
    request = (datetime(2026, 1, 2, tzinfo=UTC), "model", 1, ["a"], ["x"], ["x"], ["a"], [1.0],
               np.array([[1.0]]))
    for _ in range(40):
        sink.put_requests([request] * 10)
        assert sink.backlog <= 50
    assert sink.dropped >= 400 - 50
    sink.close(timeout=1)  # the child is still sleeping through its backlog: it is stopped
    assert not sink.is_alive
