"""Pure booking and adviser-profile rules (vpbot.domain.booking, adviser_profile, directory)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from vpbot.domain.adviser_profile import (
    POLICY_BOUNDS,
    format_minute,
    parse_windows,
    to_minute,
    validate_absence,
    validate_languages,
    validate_policy,
    validate_timezone,
    window_from_minutes,
)
from vpbot.domain.availability import WeeklyWindow
from vpbot.domain.booking import (
    MAX_BOOKING_NOTE_LENGTH,
    MeetingMode,
    MeetingModes,
    validate_booking_note,
    validate_category,
    validate_mode,
)
from vpbot.domain.cases import CATEGORIES, Category
from vpbot.domain.directory import DirectoryFields
from vpbot.domain.errors import DomainError
from vpbot.domain.inputs import int_within, optional_text, require_aware
from vpbot.domain.referrals import ReferralKind
from vpbot.ui.errors import ERROR_CODES
from vpbot.ui.options import MEETING_MODE_VALUES

UTC = timezone.utc
NOW = datetime(2026, 9, 7, 8, 0, tzinfo=UTC)


def key_of(call: object, *args: object, **kwargs: object) -> tuple[str, object]:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value.key, caught.value.params.get("field")


# --------------------------------------------------------------------------- meeting modes


def test_modes_match_the_ui_options() -> None:
    assert tuple(MeetingMode) == MEETING_MODE_VALUES


def test_meeting_modes_round_trip_and_offer_only_filled_modes() -> None:
    modes = MeetingModes(location="  Kamer 2.14 ", phone="", video_link="https://meet.example.org/x?pwd=1")
    assert modes.location == "Kamer 2.14"
    assert modes.offered == (MeetingMode.IN_PERSON, MeetingMode.VIDEO)
    assert modes.to_json() == {"in_person": {"location": "Kamer 2.14"}, "video": {"link": "https://meet.example.org/x?pwd=1"}}
    assert MeetingModes.from_json(modes.to_json()) == modes
    assert MeetingModes.from_json(None).offered == ()
    assert MeetingModes.from_json({"phone": {"number": 42}}).offered == ()  # junk is not offered


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"video_link": "http://meet.example.org/x"}, ("input.invalid", "video_link")),
        ({"video_link": "javascript:alert(1)"}, ("input.invalid", "video_link")),
        ({"video_link": "https://"}, ("input.invalid", "video_link")),
        ({"video_link": "https://x.org/" + "a" * 500}, ("input.too_long", None)),
        ({"phone": "bel me maar"}, ("input.invalid", "phone")),
        ({"phone": "12"}, ("input.invalid", "phone")),
        ({"location": "x" * 201}, ("input.too_long", None)),
    ],
)
def test_meeting_modes_refuse_bad_details(kwargs: dict[str, str], expected: tuple[str, object]) -> None:
    assert key_of(MeetingModes, **kwargs) == expected


@pytest.mark.parametrize("number", ["+31 (0)20-123 45 67", "020-1234567", "0612345678"])
def test_phone_numbers_in_usual_notations(number: str) -> None:
    assert MeetingModes(phone=number).offered == (MeetingMode.PHONE,)


def test_validate_mode() -> None:
    modes = MeetingModes(phone="020-1234567")
    assert validate_mode("phone", modes) is MeetingMode.PHONE
    assert key_of(validate_mode, "video", modes) == ("booking.mode_not_offered", None)
    assert key_of(validate_mode, "telepathy", modes) == ("booking.mode_not_offered", None)


# --------------------------------------------------------------------------- category, note


def test_categories_are_the_registration_categories() -> None:
    assert len(CATEGORIES) == 8
    for category in Category:
        assert validate_category(category.value) == category.value
    assert validate_category(None) is None and validate_category("") is None
    assert key_of(validate_category, "roddel") == ("input.invalid", "category")


def test_booking_note() -> None:
    assert validate_booking_note(None) is None
    assert validate_booking_note("   ") is None
    assert validate_booking_note("  hallo \n") == "hallo"
    assert validate_booking_note("x" * MAX_BOOKING_NOTE_LENGTH) == "x" * 2000
    with pytest.raises(DomainError) as caught:
        validate_booking_note("x" * 2001)
    assert (caught.value.key, caught.value.params) == ("note.too_long", {"max": 2000})


def test_int_within() -> None:
    assert int_within(1, 1, 2) and int_within(2, 1, 2)
    assert not int_within(0, 1, 2) and not int_within(True, 0, 2) and not int_within(1.0, 0, 2)


def test_optional_text_and_require_aware() -> None:
    assert optional_text(None, field="f", max_length=3) == ""
    assert key_of(optional_text, "abcd", field="f", max_length=3) == ("input.too_long", None)
    amsterdam = datetime(2026, 9, 7, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert require_aware(amsterdam, "at") == NOW and require_aware(amsterdam, "at").tzinfo is UTC
    assert key_of(require_aware, datetime(2026, 9, 7, 10, 0), "at") == ("input.invalid", "at")
    assert key_of(require_aware, "2026-09-07T10:00Z", "at") == ("input.invalid", "at")


# --------------------------------------------------------------------------- profile, policy


def test_languages() -> None:
    assert validate_languages(["NL", "en", "nl", " tr "]) == ("nl", "en", "tr")
    assert validate_languages([]) == ()
    for bad in ("nl", ["Nederlands"], ["n1"], [1], [f"a{chr(97 + i)}" for i in range(11)]):
        assert key_of(validate_languages, bad) == ("input.invalid", "languages")


def test_timezone() -> None:
    assert validate_timezone("America/New_York") == "America/New_York"
    for bad in ("", "Nowhere/Land", "../etc/passwd", "x" * 65):
        assert key_of(validate_timezone, bad) == ("input.invalid", "timezone")


def test_policy_bounds_are_inclusive() -> None:
    lows = {name: low for name, (low, _) in POLICY_BOUNDS.items()}
    highs = {name: high for name, (_, high) in POLICY_BOUNDS.items()}
    assert validate_policy(**lows).slot_minutes == 15
    assert validate_policy(**highs).horizon_days == 365
    for name in POLICY_BOUNDS:
        assert key_of(validate_policy, **{**lows, name: lows[name] - 1}) == ("input.invalid", name)
        assert key_of(validate_policy, **{**highs, name: highs[name] + 1}) == ("input.invalid", name)


# --------------------------------------------------------------------------- windows, absences


def test_minutes_and_clock_times() -> None:
    assert to_minute("09:30") == 570 and to_minute("00:00") == 0 and to_minute("23:59") == 1439
    assert format_minute(570) == "09:30" and format_minute(0) == "00:00"
    for bad in ("9:30", "24:00", "09:60", "0930", "", None):
        with pytest.raises(ValueError):
            to_minute(bad)  # type: ignore[arg-type]
    assert window_from_minutes(2, 540, 1050) == WeeklyWindow(2, time(9), time(17, 30))


def test_parse_windows_sorts_and_checks() -> None:
    assert parse_windows([(4, "13:00", "15:00"), (0, "09:00", "12:00"), (0, "12:00", "13:00")]) == (
        (0, 540, 720), (0, 720, 780), (4, 780, 900))
    assert parse_windows([]) == ()
    for bad in ([(0, "12:00", "12:00")], [(-1, "09:00", "10:00")], [(True, "09:00", "10:00")],
                [(0, "09:00")], [("ma", "09:00", "10:00")]):
        assert key_of(parse_windows, bad)[0] == "availability.invalid_window"
    assert key_of(parse_windows, [(1, "09:00", "12:00"), (1, "11:59", "13:00")])[0] == "availability.overlap"
    assert key_of(parse_windows, [(0, "09:00", "09:10")] * 51) == ("input.invalid", "windows")


def test_absence_rules() -> None:
    absence = validate_absence(NOW - timedelta(days=1), NOW + timedelta(hours=1), NOW)
    assert absence.starts_at == NOW - timedelta(days=1)
    assert validate_absence(NOW, NOW + timedelta(days=366), NOW).ends_at == NOW + timedelta(days=366)
    for start, end in [
        (NOW + timedelta(hours=2), NOW + timedelta(hours=1)),
        (NOW - timedelta(hours=2), NOW),
        (NOW, NOW + timedelta(days=366, seconds=1)),
    ]:
        assert key_of(validate_absence, start, end, NOW)[0] == "absence.invalid"


# --------------------------------------------------------------------------- directory


def test_directory_fields() -> None:
    fields = DirectoryFields(ReferralKind.COACH.value, "  Coach  ", contact=" 030 ", description="")
    assert (fields.kind, fields.name, fields.contact, fields.description) == ("coach", "Coach", "030", "")
    assert key_of(DirectoryFields, "astroloog", "X") == ("input.invalid", "kind")
    assert key_of(DirectoryFields, "coach", "") == ("input.invalid", "name")
    assert key_of(DirectoryFields, "coach", "X", position=1001) == ("input.invalid", "position")
    assert key_of(DirectoryFields, "coach", "X", description="d" * 501) == ("input.too_long", None)


# --------------------------------------------------------------------------- error texts


def test_every_error_key_raised_here_has_a_text() -> None:
    root = Path(__file__).resolve().parents[2] / "vpbot"
    sources = [
        "domain/booking.py", "domain/adviser_profile.py", "domain/directory.py", "domain/inputs.py",
        "services/admin.py", "services/advisers.py", "services/booking.py",
    ]
    keys = {
        key
        for name in sources
        for key in re.findall(r'(?:DomainError|_key=)\(?"([a-z_.]+)"', (root / name).read_text())
    }
    assert {"booking.mode_not_offered", "adviser.conflict_of_interest", "input.too_long"} <= keys
    assert keys - set(ERROR_CODES) == set()
