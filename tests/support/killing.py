"""`textops` as a child process in its own process group: watched by its progress lines, killed.

A :class:`CliProcess` reads the child's plain progress lines (``HH:MM:SS step:
started``, ``... step: done in 1.2 s``) as they come, so a test can wait for a
step to start and send ``SIGKILL`` to the whole group (the runner and anything
it started) at a chosen moment inside it.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

LINE = re.compile(r"^\d\d:\d\d:\d\d (?P<step>[\w-]+): (?P<event>started|done|cached|failed)")


@dataclass
class Landing:
    """Where a kill landed: the step last started, and whether it had ended by then."""

    step: str | None
    is_inside: bool
    seconds_into_step: float
    last_line: str = ""


@dataclass
class CliProcess:
    """``python -m textops.cli *args`` in ``cwd``, a session (and process group) of its own."""

    cwd: Path
    args: list[str]
    proc: subprocess.Popen[str] = field(init=False)
    lines: list[str] = field(default_factory=list)
    _current: tuple[str, str, float] | None = None
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _reader: threading.Thread | None = None
    _out: str = ""
    _out_reader: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "textops.cli", *self.args], cwd=self.cwd, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
            # plain progress lines (which say where the run is) come only under CI off a
            # terminal: set it whether or not the tests themselves run under CI
            env={**os.environ, "CI": "true"},
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._out_reader = threading.Thread(target=self._read_out, daemon=True)
        self._out_reader.start()

    def _read_out(self) -> None:
        assert self.proc.stdout is not None
        self._out = self.proc.stdout.read()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                match = LINE.match(line)
                if match:
                    self._current = (match["step"], match["event"], time.monotonic())
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_started(self, step: str, *, timeout: float = 600.0) -> bool:
        """Wait until ``step`` has started; False if the process ended first."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                if any(LINE.match(line) and f" {step}: started" in line for line in self.lines):
                    return True
                if self.proc.poll() is not None and not self._reader_alive():
                    return False
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{step} did not start within {timeout} s")
                self._changed.wait(min(left, 0.5))

    def _reader_alive(self) -> bool:
        return self._reader is not None and self._reader.is_alive()

    def kill(self) -> Landing:
        """SIGKILL the process group; say where the run was."""
        with self._changed:
            current = self._current
            last = self.lines[-1] if self.lines else ""
            now = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self._close()
        if current is None:
            return Landing(None, False, 0.0, last)
        step, event, since = current
        return Landing(step, event == "started", now - since, last)

    def finish(self, *, timeout: float = 600.0) -> tuple[int, str, str]:
        """Wait for the process to end: its exit status, stdout and stderr."""
        self.proc.wait(timeout=timeout)
        self._close()
        return self.proc.returncode, self._out, "\n".join(self.lines)

    def _close(self) -> None:
        for reader in (self._reader, self._out_reader):
            if reader is not None:
                reader.join(timeout=30)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def textops(cwd: Path, *args: str, timeout: float = 600.0) -> subprocess.CompletedProcess[str]:
    """Run ``python -m textops.cli *args`` in ``cwd`` to its end."""
    return subprocess.run([sys.executable, "-m", "textops.cli", *args], cwd=cwd, text=True,
                          capture_output=True, check=False, timeout=timeout,
                          env={**os.environ, "COLUMNS": "200"})
