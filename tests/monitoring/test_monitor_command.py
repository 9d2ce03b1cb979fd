"""`textops monitor` on logged traffic: drawn from the test set it passes, shifted it exits 7."""

from __future__ import annotations

import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from support.project import keep_steps
from support.traffic import batch, log_traffic
from textops import api, cli
from textops.monitoring import TrafficLog
from textops.text.terms import doc_terms

OFF = ["tracking.enabled=false"]
MODEL = "textops-classifier"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with one demo dataset version (ingest only: no model needs training)."""
    folder = tmp_path_factory.mktemp("monitored")
    config = keep_steps(folder, "ingest")
    api.write_demo(folder / "landing", folder / "later", rows=2000)
    api.run(config, OFF)
    return folder


@pytest.fixture
def copy(project: Path, tmp_path: Path) -> Path:
    shutil.copytree(project, tmp_path / "p")
    return tmp_path / "p"


def _parts(folder: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    (version,) = (folder / ".textops" / "datasets" / "demo").iterdir()
    return pl.read_parquet(version / "train.parquet"), pl.read_parquet(version / "test.parquet")


def _vocabulary(train: pl.DataFrame) -> set[str]:
    return set(doc_terms(train["text"]).explode().drop_nulls().to_list())


def _monitor(folder: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    argv = ["textops", "-c", str(folder / "textops.yaml"), "monitor", "--dataset", "1", *args]
    sys.argv = argv
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


def _monitoring_rows(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / ".textops" / "reporting" / "monitoring")


def test_traffic_drawn_from_the_test_set_passes(
    copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", sys.argv)
    train, test = _parts(copy)
    store = copy / ".textops"
    with TrafficLog(str(store), vocabulary=_vocabulary(train)) as log:  # yesterday's traffic
        texts, labels = test["text"].to_list(), test["label"].to_list()
        log(batch(texts[:200], labels[:200], time=datetime.now(UTC) - timedelta(hours=30)))
    log_traffic(str(store), texts, labels, vocabulary=_vocabulary(train))
    code, out, err = _monitor(copy, "--since", "24h", capsys=capsys)
    assert code == 0, err
    verdict = out.split(":", 1)[1].split()[0]
    assert verdict in ("ok", "warn"), out  # a warn on one KS test can be chance, as in validate
    assert f"monitor {MODEL} v1:" in out and f"on {len(texts)} texts" in out
    rows = _monitoring_rows(copy)
    assert set(rows["verdict"]) == {verdict} and set(rows["rows"]) == {len(texts)}
    assert {"class_balance", "char_count", "sentiment", "vocabulary", "oov_rate",
            "english_share", "confidence"} <= set(rows["check_name"])
    assert "fail" not in set(rows["status"])
    (page,) = (store / "monitoring" / "reports").iterdir()
    html = page.read_text()
    assert "Verdict" in html and "<script" not in html and "http" not in html  # opens offline


def test_shifted_language_and_classes_fail_with_exit_7(
    copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", sys.argv)
    train, test = _parts(copy)
    billing = test.filter(pl.col("label") == "billing")["text"].to_list()
    foreign = ["Hola, me cobraron dos veces la factura, quiero un reembolso ahora mismo",
               "Bonjour, ma commande n'est jamais arrivée et je veux être remboursé"] * 40
    texts = billing + foreign
    log_traffic(str(copy / ".textops"), texts, ["billing"] * len(texts),
                vocabulary=_vocabulary(train))
    code, out, err = _monitor(copy, capsys=capsys)
    assert code == 7, out + err
    assert ": fail on" in out
    assert err.startswith(f"error: traffic of {MODEL} v1 drifted from its training data")
    assert "fix: " in err and "Traceback" not in err
    failed = _monitoring_rows(copy).query("status == 'fail'")
    assert {"class_balance", "english_share", "oov_rate"} <= set(failed["check_name"])


def test_too_little_traffic_is_insufficient_not_ok(
    copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", sys.argv)
    _, test = _parts(copy)
    code, out, _ = _monitor(copy, capsys=capsys)
    assert code == 0 and ": insufficient on 0 texts" in out and "no traffic" in out
    log_traffic(str(copy / ".textops"), test["text"].to_list()[:30], test["label"].to_list()[:30])
    code, out, _ = _monitor(copy, "--model", f"{MODEL}/1", capsys=capsys)
    assert code == 0 and ": insufficient on 30 texts" in out
    assert "fewer than the 100 (monitoring.min_rows)" in out.replace("\n", " ")
    assert list(_monitoring_rows(copy)["verdict"].unique()) == ["insufficient"]


def test_a_bad_window_or_model_is_a_config_error(
    copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", sys.argv)
    code, _, err = _monitor(copy, "--since", "yesterday", capsys=capsys)
    assert code == 2 and "'yesterday' is not a duration" in err
    code, _, err = _monitor(copy, "--model", "a b", capsys=capsys)
    assert code == 2 and "expected NAME@ALIAS or NAME/VERSION" in err
