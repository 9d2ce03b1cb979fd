"""The request and response bodies of the service, as documented on its OpenAPI page.

The classify body is parsed by :mod:`textops.serving.requests` (for its limits
and messages), not by FastAPI; these models document it and the answers.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ClassifyResponse",
    "ErrorBody",
    "ManyTexts",
    "ModelDescription",
    "OneText",
    "Prediction",
    "Readiness",
    "ReloadResult",
    "classify_body_schema",
]


class OneText(BaseModel):
    """One text to classify."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"text": "The match ended in a draw."}]}
    )
    text: str


class ManyTexts(BaseModel):
    """Texts to classify, answered in the same order."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"texts": ["The match ended 2-1.", "New GPU drivers"]}]},
    )
    texts: list[str] = Field(min_length=1)


class Prediction(BaseModel):
    label: str = Field(description="the most probable label")
    confidence: float = Field(description="its probability")
    probabilities: dict[str, float] = Field(description="every label's probability")
    warnings: list[str] = Field(
        description="empty_after_cleaning, not_english, out_of_vocabulary: the text is "
        "outside what the model was trained on"
    )


class ClassifyResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{
            "model": "textops-classifier", "version": 3,
            "predictions": [{"label": "sport", "confidence": 0.93,
                             "probabilities": {"sport": 0.93, "tech": 0.07}, "warnings": []}],
        }]}
    )
    model: str
    version: int
    predictions: list[Prediction]


class ErrorBody(BaseModel):
    detail: str = Field(description="what is wrong and, for a limit, the limit")


class ModelDescription(BaseModel):
    name: str
    version: int
    alias: str | None
    family: str
    labels: list[str]
    metrics: dict[str, float]
    dataset_version: str | None


class Readiness(BaseModel):
    ready: bool
    model: str
    version: int
    reload_error: str | None = Field(
        description="why the last version the alias pointed at could not be loaded"
    )


class ReloadResult(BaseModel):
    version: int
    previous: int
    changed: bool
    error: str | None = None


def classify_body_schema(*, max_texts: int, max_chars: int) -> dict[str, Any]:
    """The OpenAPI schema of the classify body, with this service's limits in it."""
    one = OneText.model_json_schema()
    many = ManyTexts.model_json_schema()
    one["properties"]["text"]["maxLength"] = max_chars
    many["properties"]["texts"]["maxItems"] = max_texts
    many["properties"]["texts"]["items"]["maxLength"] = max_chars
    return {"oneOf": [one, many]}
