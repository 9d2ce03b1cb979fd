"""Audit events: their compact tag encoding, and reading a history back in order."""

from __future__ import annotations

import json

from textops.tracking.audit import (
    AUDIT_TAG,
    MAX_VALUE,
    AuditEvent,
    compared_figures,
    new_event,
    next_sequence,
    read_history,
    tag_key,
)
from textops.tracking.gate import ModelVersionInfo


def _version(version: int, **tags: str) -> ModelVersionInfo:
    return ModelVersionInfo(
        name="m", version=version, source="s", run_id=None, status="READY", aliases=(),
        tags=dict(tags), created_ms=0,
    )


def test_an_event_round_trips_through_its_tag_without_empty_fields() -> None:
    event = new_event(
        "promoted", 3, by="gate", tags={"textops.family": "sklearn"}, reason="beats v2",
        metric="f1_macro", candidate_version=3, candidate=0.81, champion_version=2, champion=0.8,
    )
    value = event.to_json()
    assert " " not in value.replace("beats v2", "")  # compact separators
    assert "user" not in json.loads(value)  # unset fields are left out
    (read,) = read_history({tag_key(1): value})
    assert read == AuditEvent(**{**event.as_dict(), "sequence": 1})
    assert read.family == "sklearn"


def test_family_defaults_to_network() -> None:
    assert new_event("registered", 1, by="gate").family == "network"
    assert new_event("registered", 1, by="gate", tags={"other": "x"}).family == "network"


def test_a_long_reason_is_cut_to_fit_a_tag_value() -> None:
    event = new_event("promoted", 1, by="hand", reason='"quoted" ' * 2000, user="ann")
    value = event.to_json()
    assert len(value) <= MAX_VALUE
    (read,) = read_history({tag_key(1): value})
    assert read.reason.endswith("…") and read.reason.startswith('"quoted"')
    assert read.user == "ann" and read.by == "hand"


def test_history_is_in_sequence_order_and_ignores_other_tags() -> None:
    first = new_event("registered", 1, by="gate")
    second = new_event("promoted", 1, by="gate", reason="no champion yet")
    tags = {
        tag_key(10): second.to_json(),
        tag_key(9): first.to_json(),
        "textops.other": "{}",
        f"{AUDIT_TAG}notes": "hand-written, not an event key",
    }
    assert [e.event for e in read_history(tags)] == ["registered", "promoted"]
    assert [e.sequence for e in read_history(tags)] == [9, 10]
    assert next_sequence(tags) == 11
    assert next_sequence({}) == 1


def test_two_writers_on_the_same_sequence_keep_both_events_in_time_order() -> None:
    early = AuditEvent(time="2025-01-01T00:00:00.000+00:00", event="registered", version=1,
                       family="network", by="gate")
    late = AuditEvent(time="2025-01-01T00:00:01.000+00:00", event="registered", version=2,
                      family="network", by="gate")
    keys = {tag_key(4), tag_key(4)}
    assert len(keys) == 2  # the random suffix: neither overwrites the other
    tags = dict(zip(sorted(keys), [late.to_json(), early.to_json()], strict=True))
    assert [e.version for e in read_history(tags)] == [1, 2]


def test_a_tag_that_holds_no_event_shows_as_unreadable() -> None:
    tags = {tag_key(1): "not json", tag_key(2): json.dumps({"event": "renamed", "by": "gate"})}
    events = read_history(tags)
    assert [e.event for e in events] == ["unreadable", "unreadable"]
    assert events[0].reason == "not json"


def test_compared_figures_of_a_hand_promotion() -> None:
    candidate = _version(3, **{"textops.metric.f1_macro": "0.7"})
    champion = _version(2, **{"textops.metric.f1_macro": "0.9"})
    assert compared_figures("f1_macro", candidate, champion) == {
        "metric": "f1_macro", "candidate_version": 3, "candidate": 0.7,
        "champion_version": 2, "champion": 0.9,
    }
    assert compared_figures("f1_macro", candidate, None)["champion"] is None
    assert compared_figures(None, candidate, champion) == {}
