"""Publishing: a model's bytes stored once, and the same model never registered twice."""

from __future__ import annotations

import os
from pathlib import Path

from textops.models.tokenizer import Tokenizer
from textops.tracking.publish import ModelSubmission, content_digest, share_graph


def _logged(tmp_path: Path, data: bytes) -> tuple[Path, Path]:
    stored = tmp_path / "store" / "runs" / "train" / "model.onnx"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(data)
    logged = tmp_path / "mlartifacts" / "m-1" / "artifacts" / "model.onnx"
    logged.parent.mkdir(parents=True)
    logged.write_bytes(data)
    return stored, logged


def test_the_logged_graph_becomes_a_hard_link_to_the_stores_file(tmp_path: Path) -> None:
    stored, logged = _logged(tmp_path, b"graph" * 1000)
    assert share_graph(f"file://{tmp_path / 'mlartifacts' / 'm-1'}", stored)
    assert os.path.samefile(stored, logged) and logged.read_bytes() == b"graph" * 1000
    stored.unlink()  # either name keeps the bytes
    assert logged.read_bytes() == b"graph" * 1000


def test_different_bytes_or_a_missing_file_keep_the_copy(tmp_path: Path) -> None:
    stored, logged = _logged(tmp_path, b"graph")
    logged.write_bytes(b"other")
    assert not share_graph(str(tmp_path / "mlartifacts"), stored)
    assert not os.path.samefile(stored, logged)
    assert not share_graph(str(tmp_path / "nowhere"), stored)


def _submission(graph: bytes, *, labels: tuple[str, ...] = ("a", "b")) -> ModelSubmission:
    tokenizer = Tokenizer().fit(["a b c", "b c d"])
    return ModelSubmission(onnx_model=graph, inputs=tokenizer, labels=labels, cleaning=None,
                           metrics={"f1_macro": 0.5})


def test_the_content_digest_follows_what_makes_the_model_score() -> None:
    one = content_digest(_submission(b"g"))
    assert one == content_digest(_submission(b"g"))
    assert one != content_digest(_submission(b"h"))
    assert one != content_digest(_submission(b"g", labels=("b", "a")))
