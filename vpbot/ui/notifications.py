"""Content-free chat notifications (DESIGN C1).

Whatever vpbot posts into chat (a Slack DM, a Teams 1:1 message or card) is retained and
exportable by the employer. A :class:`Notification` therefore holds only typed values —
a :class:`NotificationKind`, optionally a moment, optionally an :class:`ObjectRef` made of
an enum and an opaque id — and its text comes from the catalogue. There is no field that
accepts a string of prose, and every constructor re-validates its types, so free text
(a name, a topic, a message) cannot be put into one by construction, nor smuggled in
through a stored payload.

Usage::

    n = Notification(NotificationKind.NEW_MESSAGE, ref=ObjectRef(ObjectType.THREAD, thread_id))
    outbox.payload = n.to_payload()                     # JSON column
    n = Notification.from_payload(outbox.payload)       # re-validated
    text = render_text(n, locale="nl", tz="Europe/Amsterdam")
    buttons = actions(n)                                # which buttons to attach
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any, TypeVar

from vpbot.ui import i18n
from vpbot.ui.actions import ActionId
from vpbot.ui.screens import Button
from vpbot.ui.text import When, WhenStyle

__all__ = [
    "KIND_SPECS",
    "KindSpec",
    "Notification",
    "NotificationKind",
    "ObjectRef",
    "ObjectType",
    "TimePolicy",
    "actions",
    "message_key",
    "render_text",
]


_E = TypeVar("_E", bound=enum.StrEnum)


class NotificationKind(enum.StrEnum):
    """What happened. The value is stored in the outbox; do not rename members' values."""

    APPOINTMENT_REQUESTED = "appointment_requested"
    APPOINTMENT_CANCELLED = "appointment_cancelled"
    APPOINTMENT_RESCHEDULED = "appointment_rescheduled"
    APPOINTMENT_REMINDER = "appointment_reminder"
    NEW_MESSAGE = "new_message"
    CHECKIN_DUE = "checkin_due"
    CHECKIN_ANSWERED_WANTS_TALK = "checkin_answered_wants_talk"
    DISCLOSURE_RECORDED = "disclosure_recorded"
    REFERRAL_PROPOSED = "referral_proposed"
    PURGE_WARNING = "purge_warning"
    DELIVERY_FAILED_ALERT = "delivery_failed_alert"
    CASE_PURGED = "case_purged"


class ObjectType(enum.StrEnum):
    """The kind of object a notification points at (opened in a modal on click)."""

    APPOINTMENT = "appointment"
    THREAD = "thread"
    CASE = "case"
    CHECKIN = "checkin"
    REFERRAL = "referral"
    DISCLOSURE = "disclosure"


# An opaque id: a UUID (32 hex digits, or the canonical dashed form) or a short
# pseudonymous reference such as "VP-7K3Q". No spaces, no lowercase words: not prose.
_OPAQUE_ID_RE = re.compile(
    r"^(?:[0-9a-f]{32}"
    r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|VP-[0-9A-Z]{4,12})$"
)


@dataclass(frozen=True)
class ObjectRef:
    """A typed pointer to an object: an :class:`ObjectType` and an opaque id."""

    type: ObjectType
    id: str

    def __post_init__(self) -> None:
        if not isinstance(self.type, ObjectType):
            raise TypeError("ObjectRef.type must be an ObjectType member, not a str")
        if not isinstance(self.id, str) or not _OPAQUE_ID_RE.fullmatch(self.id):
            raise ValueError("ObjectRef.id must be a UUID or a reference like 'VP-7K3Q'")

    @property
    def token(self) -> str:
        """``"<type>:<id>"`` — the form used as a button value."""
        return f"{self.type.value}:{self.id}"

    @classmethod
    def parse(cls, token: str) -> ObjectRef:
        """Inverse of :attr:`token`; raises :class:`ValueError` on anything else."""
        if not isinstance(token, str) or token.count(":") != 1:
            raise ValueError("not an object reference token")
        type_value, ref_id = token.split(":")
        return cls(_enum_member(ObjectType, type_value, "ref type"), ref_id)

    def to_payload(self) -> dict[str, str]:
        """A JSON-ready dict."""
        return {"type": self.type.value, "id": self.id}

    @classmethod
    def from_payload(cls, payload: object) -> ObjectRef:
        """Rebuild and re-validate from :meth:`to_payload` output."""
        fields = {"type", "id"}
        data = _exact_mapping(payload, required=fields, allowed=fields, what="ref")
        return cls(_enum_member(ObjectType, data["type"], "ref type"), data["id"])


class TimePolicy(enum.Enum):
    """Whether a notification kind carries a moment."""

    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True)
class KindSpec:
    """What a notification kind may carry; checked by :class:`Notification`."""

    time: TimePolicy
    ref_types: frozenset[ObjectType]
    ref_required: bool = False
    time_style: WhenStyle = WhenStyle.DATETIME


_APPOINTMENT = frozenset({ObjectType.APPOINTMENT})
_ANY_REF = frozenset(ObjectType)

KIND_SPECS: Mapping[NotificationKind, KindSpec] = MappingProxyType(
    {
        NotificationKind.APPOINTMENT_REQUESTED: KindSpec(TimePolicy.OPTIONAL, _APPOINTMENT),
        NotificationKind.APPOINTMENT_CANCELLED: KindSpec(TimePolicy.OPTIONAL, _APPOINTMENT),
        NotificationKind.APPOINTMENT_RESCHEDULED: KindSpec(TimePolicy.OPTIONAL, _APPOINTMENT),
        NotificationKind.APPOINTMENT_REMINDER: KindSpec(TimePolicy.REQUIRED, _APPOINTMENT),
        NotificationKind.NEW_MESSAGE: KindSpec(
            TimePolicy.NONE, frozenset({ObjectType.THREAD}), ref_required=True
        ),
        # The answer buttons need to know which check-in they answer.
        NotificationKind.CHECKIN_DUE: KindSpec(
            TimePolicy.NONE, frozenset({ObjectType.CHECKIN}), ref_required=True
        ),
        NotificationKind.CHECKIN_ANSWERED_WANTS_TALK: KindSpec(
            TimePolicy.NONE, frozenset({ObjectType.CASE, ObjectType.CHECKIN})
        ),
        NotificationKind.DISCLOSURE_RECORDED: KindSpec(
            TimePolicy.NONE, frozenset({ObjectType.DISCLOSURE, ObjectType.CASE})
        ),
        NotificationKind.REFERRAL_PROPOSED: KindSpec(
            TimePolicy.NONE, frozenset({ObjectType.REFERRAL})
        ),
        # The purge date is a day, not a clock time.
        NotificationKind.PURGE_WARNING: KindSpec(
            TimePolicy.REQUIRED, frozenset({ObjectType.CASE}), time_style=WhenStyle.DATE
        ),
        NotificationKind.DELIVERY_FAILED_ALERT: KindSpec(TimePolicy.NONE, _ANY_REF),
        # The case no longer exists, so there is nothing to point at.
        NotificationKind.CASE_PURGED: KindSpec(TimePolicy.NONE, frozenset()),
    }
)


@dataclass(frozen=True)
class Notification:
    """A content-free notification: what happened, optionally when, optionally where."""

    kind: NotificationKind
    at: datetime | None = None
    ref: ObjectRef | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.kind, NotificationKind):
            raise TypeError("Notification.kind must be a NotificationKind member, not a str")
        spec = KIND_SPECS[self.kind]
        self._check_at(spec)
        self._check_ref(spec)

    def _check_at(self, spec: KindSpec) -> None:
        if self.at is None:
            if spec.time is TimePolicy.REQUIRED:
                raise ValueError(f"{self.kind.value} needs a time")
            return
        if not isinstance(self.at, datetime):
            raise TypeError("Notification.at must be a datetime or None")
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError("Notification.at must be timezone-aware")
        if spec.time is TimePolicy.NONE:
            raise ValueError(f"{self.kind.value} carries no time")
        object.__setattr__(self, "at", self.at.astimezone(timezone.utc))

    def _check_ref(self, spec: KindSpec) -> None:
        if self.ref is None:
            if spec.ref_required:
                raise ValueError(f"{self.kind.value} needs a ref")
            return
        if not isinstance(self.ref, ObjectRef):
            raise TypeError("Notification.ref must be an ObjectRef or None")
        if self.ref.type not in spec.ref_types:
            raise ValueError(f"{self.kind.value} cannot point at a {self.ref.type.value}")

    def to_payload(self) -> dict[str, Any]:
        """A JSON-ready dict of exactly the typed fields (for the outbox JSON column)."""
        return {
            "kind": self.kind.value,
            "at": self.at.isoformat() if self.at is not None else None,
            "ref": self.ref.to_payload() if self.ref is not None else None,
        }

    @classmethod
    def from_payload(cls, payload: object) -> Notification:
        """Rebuild from :meth:`to_payload` output, rejecting unknown keys and wrong types."""
        data = _exact_mapping(
            payload, required={"kind"}, allowed={"kind", "at", "ref"}, what="notification"
        )
        kind = _enum_member(NotificationKind, data["kind"], "kind")
        at = _parse_at(data.get("at"))
        raw_ref = data.get("ref")
        ref = ObjectRef.from_payload(raw_ref) if raw_ref is not None else None
        return cls(kind, at, ref)


def _exact_mapping(
    payload: object, *, required: set[str], allowed: set[str], what: str
) -> Mapping[str, Any]:
    if not isinstance(payload, Mapping):
        raise TypeError(f"{what} payload must be a mapping")
    present = set(payload)
    if present - allowed:
        raise ValueError(f"unexpected {what} payload keys: {sorted(map(str, present - allowed))}")
    if required - present:
        raise ValueError(f"missing {what} payload keys: {sorted(required - present)}")
    return payload


def _enum_member(enum_type: type[_E], value: object, what: str) -> _E:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string in the payload")
    try:
        return enum_type(value)
    except ValueError:
        raise ValueError(f"unknown {what}: {value!r}") from None


def _parse_at(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("at must be an ISO 8601 string or null")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("at must carry a UTC offset")
    return parsed


def message_key(notification: Notification) -> str:
    """The catalogue key for a notification: ``notify.<kind>``, ``.at`` when it has a time."""
    suffix = ".at" if notification.at is not None else ""
    return f"notify.{notification.kind.value}{suffix}"


def render_text(notification: Notification, locale: str, tz: str) -> str:
    """The neutral chat text, e.g. "Je hebt een nieuw bericht. Open vpbot om het te lezen."."""
    key = message_key(notification)
    if notification.at is None:
        return i18n.t(key, locale)
    style = KIND_SPECS[notification.kind].time_style
    return i18n.t(key, locale, when=When(notification.at, style).render(locale, tz))


_CHECKIN_ANSWERS: tuple[tuple[ActionId, str], ...] = (
    (ActionId.CHECKIN_GOOD, "button.checkin.good"),
    (ActionId.CHECKIN_TALK, "button.checkin.talk"),
    (ActionId.CHECKIN_STOP, "button.checkin.stop"),
)


def actions(notification: Notification) -> list[Button]:
    """The buttons to attach. Values are ref tokens, so a click opens the right modal.

    Plugins must not update the posted message with the answer or anything opened: the
    chat copy stays the neutral text plus these fixed labels.
    """
    value = notification.ref.token if notification.ref is not None else None
    if notification.kind is NotificationKind.CHECKIN_DUE:
        return [Button(action_id, label, value=value) for action_id, label in _CHECKIN_ANSWERS]
    if notification.kind is NotificationKind.NEW_MESSAGE:
        return [Button(ActionId.OPEN_THREAD, "button.open_thread", value=value)]
    return [Button(ActionId.OPEN_APP, "button.open_app", value=value)]
