"""The ``serve:`` section of ``textops.yaml``: what ``textops serve`` loads and what it accepts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ServeConfig"]


class ServeConfig(BaseModel):
    """The scoring service: model reference, address, request limits, alias polling, warnings.

    ``model`` is ``NAME@ALIAS`` (followed when the alias moves) or ``NAME/VERSION``
    (pinned). The limits answer 413 with the limit in the message.
    """

    model_config = ConfigDict(extra="forbid")

    model: str = "textops-classifier@champion"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1)
    #: most texts in one request
    max_texts: int = Field(default=256, ge=1)
    #: most characters in one text
    max_chars: int = Field(default=20_000, ge=1)
    #: most bytes in one request body
    max_body_bytes: int = Field(default=2_000_000, ge=64)
    #: seconds between checks of the alias (0: only on POST /admin/reload)
    poll_seconds: float = Field(default=30.0, ge=0.0)
    #: ONNX Runtime threads per model (1 suits a worker per core)
    threads: int = Field(default=1, ge=1)
    #: a text whose share of unknown words is above this gets the out_of_vocabulary warning
    oov_warning_share: float = Field(default=0.5, ge=0.0, le=1.0)
    #: texts with fewer words are not judged for language (detectors cannot tell "ok lol")
    language_min_words: int = Field(default=4, ge=1)
    #: append every scored request to the store's request log (see the monitoring section)
    log_requests: bool = True
    #: uvicorn's line per request on stderr (off: it costs the hot path; /metrics counts them)
    access_log: bool = False
