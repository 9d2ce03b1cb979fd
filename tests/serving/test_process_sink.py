"""The request log's child process: every batch reaches the sink, and close waits for it."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from support.traffic import LineSink, batch
from textops.serving.process_sink import ProcessSink


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
