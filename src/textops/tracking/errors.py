"""MLflow's exceptions, translated once into :class:`~textops.errors.TrackingError`.

MLflow raises many types (``MlflowException`` with an ``error_code``,
``requests`` and SQLAlchemy errors, ``OSError``). Every call into it goes
through :func:`mlflow_errors` (a context manager) or :func:`translated` (the
same, as a method decorator), so the message always reads ``MLflow refused to
<what>: <reason>`` and the fix depends on the kind of failure only.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from textops.errors import TextopsError, TrackingError

P = ParamSpec("P")
R = TypeVar("R")

#: MLflow ``error_code`` -> the fix to print
ERROR_CODE_HINTS: dict[str, str] = {
    "RESOURCE_DOES_NOT_EXIST": "check the name and version ('textops models list' shows them)",
    "RESOURCE_ALREADY_EXISTS": "use another name, or reuse the existing one",
    "INVALID_PARAMETER_VALUE": "check the value named in the message",
    "PERMISSION_DENIED": "check the credentials MLflow uses (MLFLOW_TRACKING_TOKEN, "
    "MLFLOW_TRACKING_USERNAME/PASSWORD)",
    "UNAUTHENTICATED": "check the credentials MLflow uses (MLFLOW_TRACKING_TOKEN, "
    "MLFLOW_TRACKING_USERNAME/PASSWORD)",
}
UNREACHABLE_HINT = (
    "check that the tracking server{at} is reachable (tracking.uri or MLFLOW_TRACKING_URI), "
    "or run without tracking: --set tracking.enabled=false"
)
DEFAULT_HINT = (
    "check the tracking server{at} (tracking.uri or MLFLOW_TRACKING_URI), "
    "or run without tracking: --set tracking.enabled=false"
)

READ_ONLY_HINT = (
    "the tracking database{at} cannot be written or its folder is read-only: make the store "
    "writable (SQLite needs its folder for the -wal and -shm files), or point tracking.uri at "
    "a server"
)
_READ_ONLY_MARKS = ("readonly database", "read-only", "unable to open database file")


def _is_read_only(reason: str) -> bool:
    return any(mark in reason.lower() for mark in _READ_ONLY_MARKS)


class HasTrackingUri(Protocol):
    @property
    def tracking_uri(self) -> str: ...


S = TypeVar("S", bound=HasTrackingUri)


def translate(exc: Exception, what: str, *, uri: str | None = None) -> TrackingError:
    """The :class:`TrackingError` for MLflow's ``exc`` raised while trying to ``what``."""
    at = f" at '{uri}'" if uri else ""
    code = getattr(exc, "error_code", None)
    reason = str(getattr(exc, "message", None) or exc).strip() or type(exc).__name__
    reason = reason.splitlines()[0]  # SQLAlchemy appends the statement and a link
    if isinstance(code, str) and code in ERROR_CODE_HINTS:
        hint = ERROR_CODE_HINTS[code]
    elif _is_read_only(reason):
        hint = READ_ONLY_HINT.format(at=at)
    elif _is_unreachable(exc):
        hint = UNREACHABLE_HINT.format(at=at)
    else:
        hint = DEFAULT_HINT.format(at=at)
    return TrackingError(f"MLflow refused to {what}: {reason}", hint=hint)


def _is_unreachable(exc: BaseException) -> bool:
    """Whether a connection failure lies in the chain (MLflow wraps it in INTERNAL_ERROR)."""
    seen: BaseException | None = exc
    for _ in range(16):  # causes are short chains; never loop on a cycle
        if seen is None:
            return False
        if isinstance(seen, ConnectionError | TimeoutError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@contextlib.contextmanager
def mlflow_errors(what: str, *, uri: str | None = None) -> Iterator[None]:
    """Run the block; any foreign exception leaves it as a :class:`TrackingError`."""
    try:
        yield
    except TextopsError:
        raise
    except Exception as exc:  # noqa: BLE001 - MLflow raises many types; translated here once
        raise translate(exc, what, uri=uri) from exc


def translated(
    method: Callable[Concatenate[S, P], R],
) -> Callable[Concatenate[S, P], R]:
    """A method of an object with ``tracking_uri`` whose failures are TrackingErrors.

    The operation is named after the method: ``log_batch`` -> "log batch".
    """
    what = method.__name__.replace("_", " ")

    @functools.wraps(method)
    def call(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with mlflow_errors(what, uri=self.tracking_uri):
            return method(self, *args, **kwargs)

    return call
