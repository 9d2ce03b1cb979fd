"""Runs the request log in a child process, so that its statistics never hold the service's GIL.

The request log computes per-text statistics (language, sentiment, lengths)
for every scored text: about 130 µs a text, in Python, which in a thread of the
serving process stalls the event loop and sets the latency's tail.
:class:`ProcessSink` starts the sink (built by a picklable factory) in a child
process and hands it, through a queue, either one
:class:`~textops.serving.batch.ScoredBatch` or, from the service's buffer, the
plain :data:`~textops.serving.batch.ScoredRequest` tuples of a whole interval
at once (one pickle and one hand-over per interval; the child builds the
batches). At most ``capacity`` batches are handed over and not yet taken by the
child's sink (the child counts what it took in shared memory): past that, as
when the child cannot keep up with the traffic, batches are dropped and counted
rather than held in memory; ``close`` lets the child write what it holds and
waits for it. The child runs at a lower priority
and with one Polars thread, so that a flush never takes the cores from requests.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable
from typing import Any

from textops.serving.batch import BatchSink, ScoredBatch, ScoredRequest, scored_batch

__all__ = ["ProcessSink"]

log = logging.getLogger("textops.serving")


class ProcessSink:
    """A sink that forwards batches to ``factory()``'s sink in a child process."""

    def __init__(self, factory: Callable[[], BatchSink], *, capacity: int = 10_000) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a threaded server
        self.dropped = 0
        self.capacity = capacity
        self._sent = 0
        self._taken: Any = context.Value("q", 0, lock=False)  # written by the child alone
        self._queue: Any = context.Queue()
        self._process = context.Process(
            target=_serve, args=(factory, self._queue, self._taken), name="textops-request-log",
            daemon=True,
        )
        # the child inherits the environment at its start: one Polars thread, so that a
        # flush never takes every core from the requests
        previous = os.environ.get("POLARS_MAX_THREADS")
        os.environ["POLARS_MAX_THREADS"] = "1"
        try:
            self._process.start()
        finally:
            if previous is None:
                os.environ.pop("POLARS_MAX_THREADS", None)
            else:
                os.environ["POLARS_MAX_THREADS"] = previous

    def __call__(self, batch: ScoredBatch) -> None:
        self._hand_over(batch, 1)

    def put_requests(self, requests: list[ScoredRequest]) -> int:
        """Hand over many buffered requests as one item (the child makes their batches);
        returns how many were dropped (all or none)."""
        return self._hand_over(requests, len(requests))

    @property
    def backlog(self) -> int:
        """Batches handed over that the child's sink has not taken yet."""
        return self._sent - int(self._taken.value)

    def _hand_over(self, item: ScoredBatch | list[ScoredRequest], batches: int) -> int:
        if not self._process.is_alive() or self.backlog + batches > self.capacity:
            self.dropped += batches
            return batches
        self._sent += batches
        self._queue.put_nowait(item)  # unbounded: the backlog above is the bound
        return 0

    @property
    def is_alive(self) -> bool:
        return self._process.is_alive()

    def close(self, *, timeout: float = 30.0) -> None:
        """Let the child write what it holds, then wait for it (terminate it past ``timeout``)."""
        if self._process.is_alive():
            self._queue.put(None)
            self._process.join(timeout)
        if self._process.is_alive():
            log.warning("the request log did not stop within %.0f s; stopping it "
                        "(%d batches not written)", timeout, self.backlog)
            self._process.terminate()
            self._process.join(5)
        self._queue.close()


def _serve(factory: Callable[[], BatchSink], batches: Any, taken: Any) -> None:
    """The child: build the sink, feed it every batch until None, then close it.

    It runs at a lower priority than the service: the log may lag, requests may not.
    """
    if hasattr(os, "nice"):
        os.nice(10)
    sink = factory()
    try:
        while (item := batches.get()) is not None:
            for batch in map(scored_batch, item) if isinstance(item, list) else (item,):
                try:
                    sink(batch)
                except Exception:  # noqa: BLE001 - a refused batch must not stop the log
                    log.exception("the request log refused a batch")
                taken.value += 1
    finally:
        close = getattr(sink, "close", None)
        if callable(close):
            close()
