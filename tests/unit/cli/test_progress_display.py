"""Run progress on stderr: live bars under a terminal, plain lines under CI, nothing
when quiet or off a terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import textops

FEED = textwrap.dedent("""
    import time
    from textops.cli.progress import progress_display
    from textops.progress import (DeviceUsed, PhaseStarted, StepFinished, StepStarted,
                                  TaskAdvanced)

    with progress_display(quiet={quiet}) as show:
        show(StepStarted("sweep", "sweep", "cluster"))
        for k in range(1, 16):
            show(TaskAdvanced("sweep", "candidates", k, 15, f"best ridge accuracy 0.{{k:02d}}"))
            time.sleep(0.02)
        show(StepFinished("sweep", "completed", False, 1.5))
        show(StepStarted("train", "train", "gpu"))
        show(DeviceUsed("train", "cuda"))
        show(PhaseStarted("train", "ONNX export and parity check"))
        show(StepFinished("train", "completed", False, 2.0))
""")


def _stderr_of(*, quiet: bool = False, ci: bool, on_pty: bool) -> str:
    """Feed a run's events to the display in a child whose stderr is a pty (or a pipe)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "TERM", "NO_COLOR")}
    env.update(PYTHONPATH=str(Path(textops.__file__).parents[1]), TERM="xterm-256color",
               COLUMNS="120")
    if ci:
        env["CI"] = "true"
    command = [sys.executable, "-c", FEED.format(quiet=quiet)]
    if not on_pty:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        return done.stderr
    leader, follower = pty.openpty()
    with subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=follower) as child:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the pty
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert child.wait(timeout=60) == 0
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_a_terminal_gets_live_bars_and_the_device_really_used() -> None:
    out = _stderr_of(ci=False, on_pty=True)
    assert "\x1b[" in out  # drawn and redrawn in place
    assert "candidates" in out and "15/15" in out and "best ridge accuracy 0.15" in out
    assert "train" in out and "on cuda" in out and "gpu" not in out


def test_ci_gets_plain_lines_even_on_a_terminal() -> None:
    out = _stderr_of(ci=True, on_pty=True)
    assert "\x1b[" not in out
    lines = [line.split(" ", 1)[1] for line in out.replace("\r", "").splitlines() if line]
    assert lines[0] == "sweep: started"
    assert "sweep: candidates 15/15 (best ridge accuracy 0.15)" in lines
    assert len([line for line in lines if "candidates" in line]) < 15  # throttled
    assert "train: on cuda" in lines and "train: ONNX export and parity check" in lines
    assert lines[-1] == "train: done in 2.00 s on cuda"


def test_a_pipe_and_quiet_get_no_progress() -> None:
    assert _stderr_of(ci=False, on_pty=False) == ""
    assert _stderr_of(quiet=True, ci=False, on_pty=False) == ""


def test_an_interruption_says_what_was_kept_and_where_the_next_run_resumes() -> None:
    from textops.cli.progress import RunDisplay
    from textops.progress import StepFinished, StepStarted

    display = RunDisplay("quiet")
    for name, status in (("ingest", "cached"), ("clean", "completed")):
        display(StepStarted(name, name, "local"))
        display(StepFinished(name, status, status == "cached", 0.1))
    display(StepStarted("sweep", "sweep", "cluster"))
    assert display.interruption_lines() == [
        "interrupted during step sweep; finished: ingest, clean (their outputs are in the "
        "store's cache)",
        "the next 'textops run' reuses those and resumes at 'sweep'",
    ]
