"""The classify body: parsed and held to the service's limits, with a message for every refusal.

Each refusal is an :class:`ApiError` with its HTTP status: 413 past a limit
(the message states it), 400 for a body that is not UTF-8 JSON, 422 for JSON of
the wrong shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = ["ApiError", "Limits", "parse_texts"]


class ApiError(Exception):
    """A request the service refuses: its status and one-line message."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Limits:
    max_texts: int
    max_chars: int
    max_body_bytes: int

    def check_body_size(self, size: int) -> None:
        if size > self.max_body_bytes:
            raise ApiError(
                413, f"the request body is larger than the limit of {self.max_body_bytes} bytes "
                "(serve.max_body_bytes); send fewer or shorter texts per request",
            )


def parse_texts(body: bytes, limits: Limits) -> list[str]:
    """The texts of a ``{"text": ...}`` or ``{"texts": [...]}`` body."""
    limits.check_body_size(len(body))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"the body is not UTF-8: byte {exc.start} cannot be decoded") from exc
    try:
        payload = orjson.loads(text)
    except orjson.JSONDecodeError:
        payload = _standard_json(text)  # what orjson refuses, the standard parser may take
    texts = _texts_of(payload)
    _check_texts(texts, limits)
    return texts


def _standard_json(text: str) -> Any:
    """The body as the standard parser reads it: it also takes lone surrogate escapes,
    integers past 64 bits and NaN, which orjson refuses, and its message names the
    place of a real syntax error."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, f"the body is not valid JSON: {exc}") from exc


def _texts_of(payload: Any) -> list[str]:
    if not isinstance(payload, dict) or len(payload) != 1 or not {"text", "texts"} & set(payload):
        keys = sorted(payload) if isinstance(payload, dict) else type(payload).__name__
        raise ApiError(
            422, f'expected an object with one key, "text" (a string) or "texts" (a list of '
            f"strings); got {keys}",
        )
    if "text" in payload:
        if not isinstance(payload["text"], str):
            raise ApiError(422, f'"text" must be a string; got {type(payload["text"]).__name__}')
        return [payload["text"]]
    texts = payload["texts"]
    if not isinstance(texts, list):
        raise ApiError(422, f'"texts" must be a list of strings; got {type(texts).__name__}')
    if not texts:
        raise ApiError(422, '"texts" is empty: send at least one text')
    wrong = [i for i, text in enumerate(texts) if not isinstance(text, str)]
    if wrong:
        raise ApiError(
            422, f'"texts" must hold strings only; items {wrong[:10]} are not '
            f"(the first is {type(texts[wrong[0]]).__name__})",
        )
    return texts


def _check_texts(texts: list[str], limits: Limits) -> None:
    if len(texts) > limits.max_texts:
        raise ApiError(
            413, f"{len(texts)} texts in one request; the limit is {limits.max_texts} "
            "(serve.max_texts): split the batch",
        )
    for i, text in enumerate(texts):
        if len(text) > limits.max_chars:
            raise ApiError(
                413, f"text {i} has {len(text)} characters; the limit is {limits.max_chars} "
                "(serve.max_chars): cut it or split it",
            )
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise ApiError(
                    422, f"text {i} holds a lone surrogate at character {exc.start}: "
                    "not a Unicode text",
                ) from exc
