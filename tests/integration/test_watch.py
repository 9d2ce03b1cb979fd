"""`textops watch` on the demo drops: one run per new drop, none for the same content, in order.

The pipeline is cut to ingest, profile and validate (what decides a drop's
fate) to keep the story short; tracking is off.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from support.project import keep_steps
from textops import api
from textops.progress import ProgressEvent, StepFinished
from textops.watching import TriggerLog, Watcher, WatchSettings


def _wait_for(condition: Callable[[], bool], what: str, *, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


@pytest.mark.slow
def test_each_new_drop_runs_once_in_order_and_a_refused_one_does_not_stop_watching(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    keep_steps(tmp_path, "ingest", "profile", "validate")
    drops = api.write_demo("landing", "later", rows=300)
    lines: list[str] = []
    finished_ingests: list[str] = []

    def on_event(event: ProgressEvent) -> None:
        if isinstance(event, StepFinished) and event.step == "ingest":
            finished_ingests.append(event.status)
            if len(finished_ingests) == 2:  # drop 2 is read: drop 3 lands while its run goes on
                shutil.copy(drops["drop3"], tmp_path / "landing")

    stop = threading.Event()
    watcher = Watcher(lambda: api.config(None, ["tracking.enabled=false"]),
                      WatchSettings(interval=0.2, settle=0.5), stop=stop, on_event=on_event,
                      say=lines.append)
    log = TriggerLog(watcher.store)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    try:
        _wait_for(lambda: len(log.read()) == 1, "the first drop's run")
        drop1 = tmp_path / "landing" / "drop1.csv"
        drop1.write_bytes(drop1.read_bytes())  # the same drop again: new time, same bytes
        _wait_for(lambda: any("nothing to run" in line for line in lines), "the same drop")
        assert len(log.read()) == 1

        shutil.copy(drops["drop2"], tmp_path / "landing")
        _wait_for(lambda: len(log.read()) == 3, "drops 2 and 3")
        time.sleep(1.0)  # nothing else may follow
        assert thread.is_alive()  # the refusal was reported, and watching goes on
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    triggers = log.read()
    assert len(triggers) == 3
    assert [t["outcome"] for t in triggers] == ["completed", "completed", "refused"]
    assert [t["dataset"]["sequence"] for t in triggers] == [1, 2, 3]
    assert [list(t["files"]) for t in triggers] == [["drop1.csv"], ["drop2.parquet"],
                                                    ["drop3.jsonl"]]
    assert all(t["dataset"]["is_new"] for t in triggers)
    assert "hard check" in triggers[2]["error"]
    assert len({t["run_id"] for t in triggers}) == 3
    assert any(line.startswith(f"run {triggers[2]['run_id']}: refused") for line in lines)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_stops_the_watcher_after_the_current_step(tmp_path: Path) -> None:
    keep_steps(tmp_path, "ingest", "profile", "validate")
    api.write_demo(tmp_path / "landing", tmp_path / "later", rows=300)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("CI", None)
    child = subprocess.Popen(
        [sys.executable, "-m", "textops.cli", "--set", "tracking.enabled=false", "watch",
         "--interval", "0.2", "--settle", "0.3"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    assert child.stderr is not None
    seen = []
    try:
        for line in child.stderr:
            seen.append(line)
            if "ingest: started" in line:
                child.send_signal(signal.SIGTERM)
                break
        _, rest = child.communicate(timeout=60)
    finally:  # a failed wait must not leave the child, or its pipe, behind
        child.kill()
        child.stderr.close()
    output = "".join(seen) + rest
    assert child.returncode == 0, output
    assert "SIGTERM: stopping after the current step" in output
    assert output.rstrip().endswith("stopped watching")
    from textops.store import Store

    (trigger,) = TriggerLog(Store(str(tmp_path / ".textops"))).read()
    assert trigger["outcome"] == "stopped"
    assert "validate: started" not in output
