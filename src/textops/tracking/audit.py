"""The registry's audit trail: one compact JSON event per registration or alias move.

The history lives with the registered model itself, so every client of a shared
MLflow server sees the same one: each event is a tag of the registered model,

    textops.audit.<sequence, 8 digits>-<6 hex>   {"time": ..., "event": ..., ...}

appended, never rewritten. The sequence orders the events; the random suffix
keeps two writers that picked the same sequence from overwriting each other
(their events then sort by time). Tag values are limited (5,000 characters on
MLflow's SQL stores), so an event is compact JSON without empty fields and its
reason is cut to fit.

This module is pure: it builds (for a registration, a hand promotion, a gate
decision), encodes and reads events;
:class:`~textops.tracking.registry.ModelRegistry` writes and reads the tags.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, Protocol

from textops.clock import utc_now

if TYPE_CHECKING:
    from textops.tracking.gate import GateDecision

AUDIT_TAG = "textops.audit."
FAMILY_TAG = "textops.family"
DEFAULT_FAMILY = "network"
#: the longest tag value every MLflow backend stores
MAX_VALUE = 5000

EventKind = Literal["registered", "promoted", "challenger", "demoted", "unreadable"]
#: ``gate``: decided by the pipeline (registration and its gate); ``hand``: by a person
By = Literal["gate", "hand"]
EVENTS: tuple[str, ...] = ("registered", "promoted", "challenger", "demoted")
BY: tuple[str, ...] = ("gate", "hand")

_KEY = re.compile(rf"^{re.escape(AUDIT_TAG)}(\d+)-([0-9a-f]+)$")


@dataclass(frozen=True)
class AuditEvent:
    """One registration or alias move of one version, with the figures behind it."""

    time: str
    event: EventKind
    version: int
    family: str
    by: By
    reason: str = ""
    #: the comparison behind an alias move: the candidate's and the champion's ``metric``
    metric: str | None = None
    candidate_version: int | None = None
    candidate: float | None = None
    champion_version: int | None = None
    champion: float | None = None
    #: the rows the figures were measured on, and how many of them the champion trained on
    test_rows: int | None = None
    overlap_with_champion_train: int | None = None
    user: str | None = None
    sequence: int = 0  # its place in the history (set when read back)

    def to_json(self) -> str:
        """The tag value: compact JSON of the set fields, within :data:`MAX_VALUE`."""
        fields = {k: v for k, v in asdict(self).items() if v not in (None, "") and k != "sequence"}
        text, reason = _dumps(fields), self.reason
        while len(text) > MAX_VALUE:  # escaping can lengthen the reason: cut until it fits
            reason = reason[: len(reason) - (len(text) - MAX_VALUE) - 1]
            fields["reason"] = reason + "…"
            text = _dumps(fields)
        return text

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _dumps(fields: Mapping[str, Any]) -> str:
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False)


def new_event(
    event: EventKind,
    version: int,
    *,
    by: By,
    tags: Mapping[str, str] | None = None,
    **figures: Any,
) -> AuditEvent:
    """An event of ``version`` now; its family comes from the version's ``tags``."""
    family = (tags or {}).get(FAMILY_TAG) or DEFAULT_FAMILY
    return AuditEvent(
        time=utc_now(), event=event, version=version, family=family, by=by, **figures
    )


class VersionFacts(Protocol):
    """What an event needs of a registered version (a ``ModelVersionInfo``)."""

    @property
    def version(self) -> int: ...
    @property
    def tags(self) -> dict[str, str]: ...
    @property
    def metrics(self) -> dict[str, float]: ...
    @property
    def dataset_version(self) -> str | None: ...
    @property
    def test_set(self) -> str | None: ...


def registered_event(info: VersionFacts) -> AuditEvent:
    """The event of a new version: what it was trained and measured on."""
    test_set = "unknown" if info.test_set is None else info.test_set[:12]
    return new_event(
        "registered", info.version, by="gate", tags=info.tags,
        reason=f"dataset {info.dataset_version or 'unknown'}, test set {test_set}",
    )


def compared_figures(
    metric: str | None, candidate: VersionFacts, champion: VersionFacts | None
) -> dict[str, Any]:
    """Both versions' recorded ``metric``, for the events of a hand promotion (none without)."""
    if metric is None:
        return {}
    return {
        "metric": metric,
        "candidate_version": candidate.version,
        "candidate": candidate.metrics.get(metric),
        "champion_version": None if champion is None else champion.version,
        "champion": None if champion is None else champion.metrics.get(metric),
    }


def hand_promotion_events(
    candidate: VersionFacts,
    previous: VersionFacts | None,
    *,
    reason: str,
    metric: str | None = None,
    user: str | None = None,
) -> list[AuditEvent]:
    """The events of making ``candidate`` champion by hand: promoted, and the champion demoted.

    With ``metric``, both carry the two versions' recorded values of it (see
    :func:`compared_figures`), so the history shows what the promotion overruled.
    """
    figures = compared_figures(metric, candidate, previous)
    events = [new_event("promoted", candidate.version, by="hand", tags=candidate.tags,
                        reason=reason, user=user, **figures)]
    if previous is not None and previous.version != candidate.version:
        events.append(new_event("demoted", previous.version, by="hand", tags=previous.tags,
                                reason=reason, user=user, **figures))
    return events


def gate_events(
    decision: GateDecision, candidate: VersionFacts, replaced: VersionFacts | None
) -> list[AuditEvent]:
    """The events of a gate's decision on ``candidate``: promoted or challenger, and the
    champion it ``replaced`` (if any) demoted, each with the figures behind it."""
    figures: dict[str, Any] = {
        "reason": decision.reason, "metric": decision.metric,
        "candidate_version": decision.candidate_version,
        "candidate": decision.candidate_value,
        "champion_version": decision.champion_version, "champion": decision.champion_value,
        "test_rows": decision.test_rows,
        "overlap_with_champion_train": decision.overlap_with_champion_train,
    }
    kind: EventKind = "promoted" if decision.promoted else "challenger"
    events = [new_event(kind, candidate.version, by="gate", tags=candidate.tags, **figures)]
    if replaced is not None:
        events.append(
            new_event("demoted", replaced.version, by="gate", tags=replaced.tags, **figures)
        )
    return events


def tag_key(sequence: int) -> str:
    """The tag key of the event at ``sequence`` (with a random suffix, see the docstring)."""
    return f"{AUDIT_TAG}{sequence:08d}-{uuid.uuid4().hex[:6]}"


def next_sequence(tags: Mapping[str, str]) -> int:
    """The sequence of the next event, given the registered model's tags."""
    found = [int(m.group(1)) for key in tags if (m := _KEY.match(key))]
    return max(found, default=0) + 1


def read_history(tags: Mapping[str, str]) -> list[AuditEvent]:
    """The events among a registered model's tags, oldest first.

    A tag that does not hold an event (edited by hand, cut short by a backend)
    is kept in the history as an ``unreadable`` event showing its start, rather
    than dropped without a word.
    """
    events = []
    for key, value in tags.items():
        match = _KEY.match(key)
        if match is not None:
            events.append((key, replace(_parse(value), sequence=int(match.group(1)))))
    events.sort(key=lambda pair: (pair[1].sequence, pair[1].time, pair[0]))
    return [event for _, event in events]


def _parse(value: str) -> AuditEvent:
    try:
        fields = json.loads(value)
        if fields["event"] not in EVENTS or fields["by"] not in BY:
            raise ValueError(f"not an audit event: {value[:80]}")
        return AuditEvent(
            time=str(fields["time"]),
            event=fields["event"],
            version=int(fields["version"]),
            family=str(fields.get("family", DEFAULT_FAMILY)),
            by=fields["by"],
            reason=str(fields.get("reason", "")),
            metric=fields.get("metric"),
            candidate_version=_int(fields.get("candidate_version")),
            candidate=_float(fields.get("candidate")),
            champion_version=_int(fields.get("champion_version")),
            champion=_float(fields.get("champion")),
            user=fields.get("user"),
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return AuditEvent(
            time="", event="unreadable", version=0, family="", by="gate", reason=value[:200]
        )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)
