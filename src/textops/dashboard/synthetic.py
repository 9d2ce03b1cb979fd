"""A store of synthetic run records and reporting rows, for tests and the dashboard benchmark.

Rows follow the documented schemas of ``docs/reporting.md`` (the schema test
pins both), so the dashboard and DuckDB can be exercised at any size without
running the pipeline.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from textops.store.reporting import ReportingTables

if TYPE_CHECKING:
    import pandas as pd

    from textops.store.store import Store

STEPS = ("ingest", "profile", "validate", "clean", "sweep", "refit", "tune", "train")
CLASSES = ("account", "billing", "delivery")
CHECKS = ("class_balance", "char_count", "sentiment", "vocabulary")
CANDIDATES = ("ridge", "linear_svc_l2", "complement_nb", "knn")


def fill_store(store: Store, *, runs: int = 20, versions: int = 10, seed: int = 0) -> list[str]:
    """Append ``runs`` runs over ``versions`` dataset versions to ``store``; the run ids."""
    import numpy as np

    rng = np.random.default_rng(seed)
    tables = ReportingTables(store)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    run_ids = []
    for i in range(runs):
        version = f"v{min(i * versions // max(runs, 1), versions - 1):03d}"
        began = start + timedelta(hours=i)
        run_id = began.strftime("%Y%m%dT%H%M%S") + f"-{i:06x}"
        run_ids.append(run_id)
        fresh = i == 0 or version != f"v{min((i - 1) * versions // runs, versions - 1):03d}"
        for table, rows in _run_tables(run_id, version, began, rng, is_fresh=fresh).items():
            tables.append(table, rows)
    return run_ids


def _run_tables(
    run_id: str, version: str, began: datetime, rng: Any, *, is_fresh: bool
) -> dict[str, pd.DataFrame]:
    import numpy as np
    import pandas as pd

    out = {"runs": _runs(run_id, version, began, rng, is_fresh=is_fresh)}
    if not is_fresh:
        return out
    shares = rng.dirichlet(np.ones(len(CLASSES)) * 20)
    summary: dict[str, Any] = {"version": version, "created": began, "dataset_name": "demo",
                               "run_id": run_id}
    for part, scale in (("full", 1.0), ("train", 0.8), ("test", 0.2)):
        summary |= {f"{part}_rows": 3000 * scale, f"{part}_duplicate_rate": rng.uniform(0, .01),
                    f"{part}_english_share": rng.uniform(.95, 1), f"{part}_vocabulary_size":
                    float(rng.integers(300, 500)), f"{part}_char_count_median":
                    float(rng.integers(120, 140)), f"{part}_word_count_median": 25.0,
                    f"{part}_sentiment_mean": rng.uniform(-.2, .3),
                    f"{part}_stop_word_rate_mean": rng.uniform(.4, .5)}
        summary |= {f"{part}_class_share_{c}": float(s) for c, s in zip(CLASSES, shares,
                                                                         strict=True)}
    out["profile_summary"] = pd.DataFrame([summary])
    out["drift"] = pd.DataFrame([
        {"dataset_name": "demo", "version": version, "baseline_sha256": "ab" * 32,
         "dataset": "train", "check_name": check, "test": "ks", "value": float(rng.uniform()),
         "status": str(rng.choice(["ok", "ok", "warn", "fail", "insufficient"])),
         "threshold_warn": 0.1, "threshold_fail": 0.2, "detail": "", "reference": "baseline",
         "run_id": run_id} for check in CHECKS])
    out["sweep"] = pd.DataFrame([
        {"rank": k + 1, "name": name, "status": "ok", "estimator": name, "f1_macro":
         float(rng.uniform(.8, .95)), "accuracy": float(rng.uniform(.8, .95)),
         "fit_seconds": float(rng.uniform(0, 1)), "dataset_name": "demo",
         "dataset_version": version, "metric": "f1_macro", "run_id": run_id}
        for k, name in enumerate(CANDIDATES)])
    out["trials"] = pd.DataFrame([
        {"number": n, "state": "PRUNED" if n % 5 == 4 else "COMPLETE",
         "value": float(rng.uniform(.7, .95)), "params": json.dumps(
             {"lr": float(rng.uniform(1e-3, 1e-1)), "architecture": str(rng.choice(["a", "b"]))}),
         "study": f"demo-{version}", "dataset_name": "demo", "dataset_version": version,
         "run_id": run_id} for n in range(12)])
    return out


def _runs(run_id: str, version: str, began: datetime, rng: Any, *, is_fresh: bool
          ) -> pd.DataFrame:
    import pandas as pd

    rows, clock = [], began
    for step in STEPS:
        seconds = float(rng.uniform(0.5, 20)) if is_fresh else 0.05
        rows.append({
            "run_id": run_id, "run_started": began.isoformat(), "run_status": "completed",
            "config_hash": "c0ffee", "dataset_name": "demo", "dataset_version": version,
            "step": step, "kind": step, "status": "completed" if is_fresh else "cached",
            "cache_hit": not is_fresh, "code_version": "0.1.0", "compute": "local",
            "environment": "data", "step_started": clock.isoformat(), "wall_seconds": seconds,
            "step_seconds": seconds * 0.95, "overhead_seconds": seconds * 0.05, "error": None,
        })
        clock += timedelta(seconds=seconds)
    return pd.DataFrame(rows)
