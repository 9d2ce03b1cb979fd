"""The service scores exactly as the registered pyfunc model does, for either family.

The app is built by ``build_app`` (the registry, ``RegistrySource`` and
``Scorer`` of ``textops serve``) and called in process through httpx's ASGI
transport; probabilities must equal ``pyfunc.predict``'s to the last bit (JSON
floats round-trip exactly), text by text and batch by batch, on ASCII texts
(the per-text cleaning path) and others (the Polars path).
"""

from __future__ import annotations

import asyncio
import string
import warnings
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support.served import MODEL, register_network, tracking_uri, training_texts, write_config

TEXTS = [
    "The TEAM scored a GOAL in the match!", "Python code on a cloud server",
    "Bake the garlic sauce in the oven", "", "!!! 42 ???", "don't e-mail me at bob@x.org",
    "caf\u00e9 na\u00efve r\u00e9sum\u00e9 of the match", "goal \U0001F600 team\u2019s win",
    "xyzzy plugh frobnicate", "TAB\tand\nnew line   spaces",
]


def served_probabilities(config: Path, texts: list[str]) -> tuple[str, np.ndarray]:
    """(family, probabilities) answered by the app of ``config``: each text alone, then all."""
    from textops.api.serving import build_app

    app = build_app(config)

    async def ask() -> list[dict[str, Any]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            alone = [(await client.post("/v1/classify", json={"text": t})).json() for t in texts]
            together = (await client.post("/v1/classify", json={"texts": texts})).json()
        return [a["predictions"][0] for a in alone] + together["predictions"]

    predictions = asyncio.run(ask())
    labels = app.state.service.holder.current.scorer.labels
    family = app.state.service.holder.current.scorer.family
    rows = [[p["probabilities"][label] for label in labels] for p in predictions]
    return family, np.array(rows)


def pyfunc_probabilities(store: Path, version: int, texts: list[str]) -> np.ndarray:
    """``pyfunc.predict`` of each text alone, then of all together: the graph pads a batch
    to its longest row, and ONNX Runtime's sums may round differently with the width."""
    from textops.tracking.registry import ModelRegistry

    pyfunc = ModelRegistry(tracking_uri(store)).load_pyfunc(MODEL, version)
    frames = [pyfunc.predict({"text": [text]}) for text in texts]
    frames.append(pyfunc.predict({"text": texts}))
    return np.concatenate([
        frame[[c for c in frame.columns if c.startswith("proba_")]].to_numpy(dtype=np.float64)
        for frame in frames
    ])


def texts_to_score() -> list[str]:
    return TEXTS + training_texts(seed=5)[0][:40]


def test_a_linear_champion_scores_as_its_pyfunc_model(serving_store: Any, tmp_path: Path) -> None:
    config = write_config(tmp_path, poll_seconds=0, log_requests="false")
    config.write_text(config.read_text().replace(str(tmp_path / "store"),
                                                 str(serving_store.store)))
    texts = texts_to_score()
    family, served = served_probabilities(config, texts)
    expected = pyfunc_probabilities(serving_store.store, serving_store.v1, texts)
    assert family == "linear"
    np.testing.assert_array_equal(served, expected)


@pytest.mark.slow
def test_a_network_champion_is_served_through_the_same_path(tmp_path: Path) -> None:
    config = write_config(tmp_path, poll_seconds=0, log_requests="false")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The ``noload`` loader strategy")
        version = register_network(tmp_path / "store")
    texts = texts_to_score()
    family, served = served_probabilities(config, texts)
    expected = pyfunc_probabilities(tmp_path / "store", version, texts)
    assert family == "network"
    np.testing.assert_array_equal(served, expected)


def reference_detection_line(text: str, max_chars: int) -> str:
    """The language check's line as first written: characters counted one by one."""
    line = " ".join(text[: 2 * max_chars].split())[:max_chars]
    letters = sum(ch.isalpha() for ch in line)
    upper = sum(ch.isupper() for ch in line)
    return line.lower() if len(line) > 5 and upper > 0.8 * letters else line


@settings(max_examples=400, deadline=None)
@given(text=st.text(st.sampled_from(
    [*string.printable, "\u00c9", "\u00e9", "\u00df", "\u01c5", "\u2160", "\u00a0"]),
    max_size=40))
def test_the_language_line_counts_capitals_as_before(text: str) -> None:
    from textops.serving.scoring import _detection_line

    assert _detection_line(text, 20) == reference_detection_line(text, 20)
