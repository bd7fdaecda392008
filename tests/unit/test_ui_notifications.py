"""Content-free notifications (vpbot.ui.notifications, DESIGN C1)."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vpbot.ui import i18n
from vpbot.ui.actions import ActionId
from vpbot.ui.i18n import SUPPORTED_LOCALES
from vpbot.ui.notifications import (
    KIND_SPECS,
    Notification,
    NotificationKind,
    ObjectRef,
    ObjectType,
    TimePolicy,
    actions,
    message_key,
    render_text,
)

AMS = "Europe/Amsterdam"
AT = datetime(2026, 11, 24, 13, 0, tzinfo=timezone.utc)
UUID_HEX = "3f2b8c1d9e4a4b6c8d7e6f5a4b3c2d1e"
MARKER = "Kees pest mij al maanden"  # free text that must never get in


def _ref_for(kind: NotificationKind) -> ObjectRef | None:
    spec = KIND_SPECS[kind]
    if not spec.ref_types:
        return None
    return ObjectRef(sorted(spec.ref_types)[0], UUID_HEX)


def _valid(kind: NotificationKind, *, with_time: bool = True) -> Notification:
    spec = KIND_SPECS[kind]
    at = AT if spec.time is not TimePolicy.NONE and with_time else None
    return Notification(kind, at, _ref_for(kind))


ALL_VALID = [
    _valid(kind, with_time=with_time)
    for kind in NotificationKind
    for with_time in (True, False)
    if with_time or KIND_SPECS[kind].time is not TimePolicy.REQUIRED
]


# --- the type is closed -------------------------------------------------------------


def test_notification_has_only_typed_fields() -> None:
    assert [f.name for f in dataclasses.fields(Notification)] == ["kind", "at", "ref"]
    assert [f.name for f in dataclasses.fields(ObjectRef)] == ["type", "id"]


def test_every_kind_has_a_spec() -> None:
    assert set(KIND_SPECS) == set(NotificationKind)


def test_kind_as_plain_string_is_rejected() -> None:
    with pytest.raises(TypeError):
        Notification(
            "new_message",
            ref=ObjectRef(ObjectType.THREAD, UUID_HEX),  # type: ignore[arg-type]
        )
    with pytest.raises(TypeError):
        Notification(MARKER)  # type: ignore[arg-type]


def test_free_text_in_place_of_time_or_ref_is_rejected() -> None:
    with pytest.raises(TypeError):
        Notification(NotificationKind.APPOINTMENT_REMINDER, MARKER)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Notification(NotificationKind.REFERRAL_PROPOSED, ref=MARKER)  # type: ignore[arg-type]


def test_ref_type_as_plain_string_is_rejected() -> None:
    with pytest.raises(TypeError):
        ObjectRef("thread", UUID_HEX)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad_id",
    [
        MARKER,
        "",
        "VP-",
        "vp-7k3q",
        "VP-7K3Q ",
        " VP-7K3Q",
        "VP-7K3Q\n",
        "VP-AB",
        UUID_HEX.upper(),
        UUID_HEX[:-1],
        UUID_HEX + "0",
        "Alice",
        "VP-7K3Q; drop",
        12345,
    ],
)
def test_ref_id_must_be_opaque(bad_id: Any) -> None:
    with pytest.raises(ValueError):
        ObjectRef(ObjectType.CASE, bad_id)


@pytest.mark.parametrize(
    "good_id", [UUID_HEX, "3f2b8c1d-9e4a-4b6c-8d7e-6f5a4b3c2d1e", "VP-7K3Q", "VP-ABCDEFGH12"]
)
def test_ref_id_accepts_uuids_and_pseudonymous_references(good_id: str) -> None:
    assert ObjectRef(ObjectType.CASE, good_id).id == good_id


@given(st.text())
def test_no_arbitrary_text_becomes_a_ref_id(text: str) -> None:
    try:
        ObjectRef(ObjectType.THREAD, text)
    except ValueError:
        return
    assert re.fullmatch(r"[0-9a-f]{32}|[0-9a-f-]{36}|VP-[0-9A-Z]{4,12}", text)


def test_time_must_be_aware_and_is_normalised_to_utc() -> None:
    with pytest.raises(ValueError):
        Notification(NotificationKind.APPOINTMENT_REMINDER, datetime(2026, 11, 24, 13, 0))
    cet = timezone(timedelta(hours=1))
    local = datetime(2026, 11, 24, 14, 0, tzinfo=cet)
    n = Notification(NotificationKind.APPOINTMENT_REMINDER, local)
    assert n.at == AT and n.at.tzinfo is timezone.utc


def test_time_policy_is_enforced() -> None:
    with pytest.raises(ValueError):
        Notification(NotificationKind.APPOINTMENT_REMINDER)  # needs a time
    with pytest.raises(ValueError):
        Notification(NotificationKind.CASE_PURGED, AT)  # carries no time


def test_ref_policy_is_enforced() -> None:
    with pytest.raises(ValueError):
        Notification(NotificationKind.NEW_MESSAGE)  # needs a thread
    with pytest.raises(ValueError):
        Notification(NotificationKind.NEW_MESSAGE, ref=ObjectRef(ObjectType.CASE, UUID_HEX))
    with pytest.raises(ValueError):
        Notification(NotificationKind.CASE_PURGED, ref=ObjectRef(ObjectType.CASE, UUID_HEX))


def test_notifications_are_immutable() -> None:
    n = _valid(NotificationKind.NEW_MESSAGE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        n.kind = NotificationKind.CASE_PURGED  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        n.ref.id = MARKER  # type: ignore[misc, union-attr]


# --- payload ------------------------------------------------------------------------


@pytest.mark.parametrize("notification", ALL_VALID, ids=repr)
def test_payload_round_trips_through_json(notification: Notification) -> None:
    payload = notification.to_payload()
    assert set(payload) == {"kind", "at", "ref"}
    restored = Notification.from_payload(json.loads(json.dumps(payload)))
    assert restored == notification


def test_payload_shape() -> None:
    ref = ObjectRef(ObjectType.APPOINTMENT, "VP-7K3Q")
    n = Notification(NotificationKind.APPOINTMENT_REMINDER, AT, ref)
    assert n.to_payload() == {
        "kind": "appointment_reminder",
        "at": "2026-11-24T13:00:00+00:00",
        "ref": {"type": "appointment", "id": "VP-7K3Q"},
    }


def test_payload_may_omit_optional_fields() -> None:
    n = Notification.from_payload({"kind": "case_purged"})
    assert n == Notification(NotificationKind.CASE_PURGED)


GOOD = {"kind": "new_message", "at": None, "ref": {"type": "thread", "id": UUID_HEX}}


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({**GOOD, "text": MARKER}, ValueError),  # unexpected key
        ({**GOOD, "ref": {"type": "thread", "id": UUID_HEX, "title": MARKER}}, ValueError),
        ({**GOOD, "ref": {"type": "thread", "id": MARKER}}, ValueError),
        ({**GOOD, "ref": {"type": "thread"}}, ValueError),
        ({**GOOD, "ref": {"type": "note", "id": UUID_HEX}}, ValueError),
        ({**GOOD, "ref": MARKER}, TypeError),
        ({**GOOD, "ref": f"thread:{UUID_HEX}"}, TypeError),
        ({**GOOD, "kind": MARKER}, ValueError),
        ({**GOOD, "kind": 3}, TypeError),
        ({"at": None, "ref": None}, ValueError),  # no kind
        ({**GOOD, "at": MARKER}, ValueError),
        ({"kind": "appointment_reminder", "at": "2026-11-24T13:00:00"}, ValueError),  # naive
        ({"kind": "appointment_reminder", "at": 1764000000}, TypeError),
        ({**GOOD, "at": "2026-11-24T13:00:00+00:00"}, ValueError),  # new_message has no time
        (MARKER, TypeError),
        ([("kind", "new_message")], TypeError),
    ],
)
def test_from_payload_rejects_anything_but_the_typed_fields(
    payload: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        Notification.from_payload(payload)


# --- rendering ----------------------------------------------------------------------


@pytest.mark.parametrize("notification", ALL_VALID, ids=repr)
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_rendered_texts_are_complete_and_content_free(
    notification: Notification, locale: str
) -> None:
    text = render_text(notification, locale, AMS)
    assert text and "{" not in text and "}" not in text
    # The opaque id is for the button, never for the text.
    assert UUID_HEX not in text


def test_notify_texts_take_no_parameter_but_when() -> None:
    for key in i18n.keys():
        if key.startswith("notify."):
            expected = {"when"} if key.endswith(".at") else set()
            assert i18n.placeholders(key) == expected, key


def test_every_kind_has_its_texts() -> None:
    for n in ALL_VALID:
        assert message_key(n) in i18n.keys("nl")


def test_reminder_text_gives_the_time_in_the_recipients_zone() -> None:
    n = Notification(NotificationKind.APPOINTMENT_REMINDER, AT)
    assert render_text(n, "nl", AMS) == (
        "Herinnering: je hebt een afspraak op dinsdag 24 november om 14:00."
    )
    assert render_text(n, "en", AMS) == (
        "Reminder: you have an appointment on Tuesday 24 November at 14:00."
    )
    assert "13:00" in render_text(n, "en", "UTC")


def test_new_request_text_is_neutral() -> None:
    n = Notification(NotificationKind.APPOINTMENT_REQUESTED)
    assert render_text(n, "nl", AMS) == (
        "Er is een nieuwe afspraakaanvraag. Open vpbot om hem te bekijken."
    )


def test_purge_warning_shows_a_day_not_a_clock_time() -> None:
    n = Notification(NotificationKind.PURGE_WARNING, AT, ObjectRef(ObjectType.CASE, "VP-7K3Q"))
    text = render_text(n, "nl", AMS)
    assert "dinsdag 24 november" in text and "14:00" not in text


# --- buttons ------------------------------------------------------------------------


def test_checkin_gets_the_three_answers() -> None:
    ref = ObjectRef(ObjectType.CHECKIN, UUID_HEX)
    buttons = actions(Notification(NotificationKind.CHECKIN_DUE, ref=ref))
    assert [b.action_id for b in buttons] == [
        ActionId.CHECKIN_GOOD,
        ActionId.CHECKIN_TALK,
        ActionId.CHECKIN_STOP,
    ]
    assert [b.label_key for b in buttons] == [
        "button.checkin.good",
        "button.checkin.talk",
        "button.checkin.stop",
    ]
    assert [i18n.t(b.label_key, "nl") for b in buttons] == [  # type: ignore[arg-type]
        "Goed",
        "Ik wil weer praten",
        "Geen check-ins meer",
    ]
    assert all(ObjectRef.parse(b.value) == ref for b in buttons)  # type: ignore[arg-type]


def test_new_message_opens_the_thread() -> None:
    ref = ObjectRef(ObjectType.THREAD, UUID_HEX)
    (button,) = actions(Notification(NotificationKind.NEW_MESSAGE, ref=ref))
    assert button.action_id == ActionId.OPEN_THREAD
    assert ObjectRef.parse(button.value) == ref  # type: ignore[arg-type]


@pytest.mark.parametrize("notification", ALL_VALID, ids=repr)
def test_every_notification_has_catalogue_buttons(notification: Notification) -> None:
    buttons = actions(notification)
    assert buttons
    for button in buttons:
        assert isinstance(button.label_key, str) and button.label_key.startswith("button.")
        assert button.label_text is None


def test_other_kinds_open_the_app_at_their_object() -> None:
    ref = ObjectRef(ObjectType.REFERRAL, "VP-7K3Q")
    (button,) = actions(Notification(NotificationKind.REFERRAL_PROPOSED, ref=ref))
    assert button.action_id == ActionId.OPEN_APP and button.value == "referral:VP-7K3Q"
    (button,) = actions(Notification(NotificationKind.CASE_PURGED))
    assert button.action_id == ActionId.OPEN_APP and button.value is None


@pytest.mark.parametrize(
    "token", ["", "thread", f"thread:{UUID_HEX}:x", f"note:{UUID_HEX}", f"thread:{MARKER}", 7]
)
def test_ref_tokens_are_parsed_strictly(token: Any) -> None:
    with pytest.raises(ValueError):
        ObjectRef.parse(token)
