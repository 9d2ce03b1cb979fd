"""The textops exception tree.

Every error a user can cause derives from :class:`TextopsError`. The CLI prints
``error: <message>`` for these and exits non-zero; anything else is a bug and
keeps its traceback.

::

    TextopsError              exit 1 unless a subclass says otherwise
    ├── ConfigError           exit 2: textops.yaml, --set overrides, step parameters,
    │                         the baseline profile's keys (see textops.config.errors)
    ├── InputError            exit 3: bad raw data; the store is left as it was
    │   └── DataError         a file or column that cannot be used as given
    ├── ValidationError       exit 4: a dataset version failed the baseline's hard checks
    ├── StoreError            exit 5: the store URL cannot be read, written or locked
    ├── EnvironmentError_     exit 6: a step's environment file is not satisfied, or a
    │                         package a feature needs is not installed
    ├── StepError             a step failed; names the step and the cause
    │   └── WorkerLostError   a task's worker died (memory limit, crash); names the task
    ├── TrackingError         MLflow refused a call (translated in textops.tracking.errors)
    ├── ModelError            training, export or the ONNX parity check failed
    ├── ServingError          the scoring service cannot load or score
    └── DriftError            exit 7: `textops monitor` found production traffic drifted
                              from the serving model's training data (a check fails)

The message is one line naming the thing and the bad value; ``hint`` is the
fix, printed on the next line as ``fix: ...``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class TextopsError(Exception):
    """Base of every error a user can cause or fix.

    ``hint`` is the one-line fix, printed after the message.
    """

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  fix: {self.hint}"
        return self.message


class ConfigError(TextopsError):
    """The pipeline definition or an override is invalid."""

    exit_code = 2


class InputError(TextopsError):
    """The raw input cannot be used. Nothing has been written to the store."""

    exit_code = 3


class DataError(InputError):
    """A file, column or set of rows in the input is unusable as given."""


class ValidationError(TextopsError):
    """A dataset failed a hard check of the baseline profile."""

    exit_code = 4


class StoreError(TextopsError):
    """The store cannot be reached, written or locked."""

    exit_code = 5


class EnvironmentError_(TextopsError):  # noqa: N801 - avoid shadowing the builtin
    """The interpreter lacks what a step or feature needs: its environment file, a package."""

    exit_code = 6


class StepError(TextopsError):
    """A step failed; the message names the step."""


class TrackingError(TextopsError):
    """The tracking server or model registry refused a call."""


class ModelError(TextopsError):
    """Training, export or the ONNX parity check failed."""


class ServingError(TextopsError):
    """The scoring service cannot load a model or score a request."""


class DriftError(TextopsError):
    """Monitored traffic failed a drift check against the serving model's training data.

    Its own exit code, so that a scheduler running ``textops monitor`` can tell
    "retrain" from "the monitor itself broke".
    """

    exit_code = 7


class WorkerLostError(StepError):
    """A task's worker died under it, most likely past its memory limit.

    ``task`` names the task; ``memory_limit`` is the worker's limit in bytes
    (None: unbounded or unknown).
    """

    def __init__(
        self, message: str, *, task: str, memory_limit: int | None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.task = task
        self.memory_limit = memory_limit

    def __reduce__(self) -> tuple[object, ...]:
        # the default, ``cls(*self.args)``, would miss the keyword-only arguments
        from functools import partial

        rebuild = partial(type(self), task=self.task, memory_limit=self.memory_limit)
        return rebuild, (self.message,), self.__dict__


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the choice closest to ``name``, or ``""`` if none is close.

    The one way every message suggests a name (a key, a step, a target), so they all read alike.
    """
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
