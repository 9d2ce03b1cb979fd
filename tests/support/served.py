"""A registered model to serve and the service in a subprocess, for the serving tests and bench.

:func:`register_linear` fits a TF-IDF + logistic regression on a small topic
corpus (cleaned as training cleans), exports it to ONNX and registers it in
the store's SQLite registry; it takes a second or two, with no torch import.
:func:`start_service` runs ``textops serve`` on a free loopback port and waits
until ``/healthz`` answers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.corpora import COMMON_WORDS, TOPIC_WORDS, topic_corpus

SRC = Path(__file__).resolve().parents[2] / "src"
MODEL = "textops-classifier"


def tracking_uri(store: Path) -> str:
    return f"sqlite:///{store / 'mlflow.db'}"


def write_config(folder: Path, **serve: Any) -> Path:
    """A textops.yaml whose store is ``folder/store`` and whose serve section is ``serve``."""
    lines = [f"store:\n  url: {folder / 'store'}\n", "monitoring:\n  flush_seconds: 0.5\n"]
    if serve:
        lines.append("serve:\n" + "".join(f"  {key}: {value}\n" for key, value in serve.items()))
    path = folder / "textops.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    (folder / "store").mkdir(exist_ok=True)
    return path


def training_texts(seed: int = 0) -> tuple[list[str], list[str]]:
    texts, labels = topic_corpus(
        {k: TOPIC_WORDS[k] for k in ("sport", "tech", "food")}, common=COMMON_WORDS,
        n_per_class=60, seed=seed, own=0.5, length=(5, 14),
    )
    return [text.capitalize() + "!" for text in texts], labels


def register_linear(store: Path, *, c: float = 1.0, champion: bool = True,
                    name: str = MODEL) -> int:
    """Fit, export, log and register a linear model; returns its version."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from textops.models.linear_export import export_linear
    from textops.text.cleaning import TextCleaner

    texts, labels = training_texts()
    cleaner = TextCleaner().fit()
    cleaned = [str(t) for t in cleaner.transform(texts)]
    vectorizer = TfidfVectorizer(sublinear_tf=True)
    model = LogisticRegression(C=c, max_iter=500).fit(vectorizer.fit_transform(cleaned), labels)
    export = export_linear((vectorizer, model), cleaned)
    return _register(store, export.model, export.featurizer, labels=export.labels,
                     cleaning=cleaner.get_params(), scores=export.scores,
                     champion=champion, name=name)


def register_network(store: Path, *, champion: bool = True, name: str = MODEL) -> int:
    """Fit, export, log and register a tiny network (imports torch: seconds)."""
    from textops.models.onnx_export import export_onnx
    from textops.models.training import NetworkConfig, fit_network
    from textops.text.cleaning import TextCleaner

    texts, labels = training_texts()
    cleaner = TextCleaner().fit()
    cleaned = [str(t) for t in cleaner.transform(texts)]
    config = NetworkConfig(epochs=4, batch_size=16, buckets=64, min_count=1, embedding_dim=8,
                           learning_rate=0.05)
    network = fit_network(cleaned, labels, config)
    onnx_model = export_onnx(network, cleaned).model
    return _register(store, onnx_model, network.tokenizer, labels=network.labels,
                     cleaning=cleaner.get_params(), scores=None, champion=champion, name=name)


def _register(store: Path, onnx_model: bytes, featurizer: Any, *, labels: list[str],
              cleaning: dict[str, Any], scores: str | None, champion: bool, name: str) -> int:
    from textops.models.bundle import family_of
    from textops.tracking.pyfunc import log_pyfunc_model
    from textops.tracking.registry import ModelRegistry

    registry = ModelRegistry(tracking_uri(store))
    client = registry.client
    found = client.get_experiment_by_name("serving-tests")
    experiment = found.experiment_id if found else client.create_experiment(
        "serving-tests", artifact_location=str(store / "mlartifacts"))
    run_id = client.create_run(experiment).info.run_id
    uri = log_pyfunc_model(onnx_model, featurizer, labels=labels, cleaning=cleaning,
                           scores=scores, metadata={"dataset_version": "demo@v1"},
                           run_id=run_id, tracking_uri=registry.tracking_uri)
    info = registry.register(uri, name, metrics={"accuracy": 0.9, "f1_macro": 0.88},
                             test_set="t", dataset_version="demo@v1",
                             tags={"textops.family": family_of(featurizer)})
    if champion:
        registry.set_champion(name, info.version, reason="serving test")
    return info.version


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Service:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> str:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.log.read_text(errors="replace")


def start_service(config: Path, *, api_key: str | None = None, model: str | None = None,
                  timeout: float = 60.0) -> Service:
    """``textops serve`` on a free 127.0.0.1 port; waits for ``/healthz``."""
    import httpx

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("TEXTOPS_API_KEY", None)
    if api_key is not None:
        env["TEXTOPS_API_KEY"] = api_key
    command = [sys.executable, "-m", "textops.cli", "--config", str(config), "serve",
               "--host", "127.0.0.1", "--port", str(port)]
    command += ["--model", model] if model else []
    log = config.parent / f"serve-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"textops serve exited {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return Service(process, url, log)
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"textops serve did not answer in {timeout}s:\n{log.read_text()}")
