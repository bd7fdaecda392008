"""Case lifecycle rules (vpbot.domain.cases) and month arithmetic (vpbot.domain.dates)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from vpbot.domain.cases import (
    CATEGORIES,
    MAX_NOTE_LENGTH,
    MIN_JUSTIFICATION_LENGTH,
    CaseStatus,
    DisclosureReason,
    check_transition,
    purge_after,
    validate_categories,
    validate_justification,
    validate_note,
    validate_reason,
)
from vpbot.domain.dates import add_months
from vpbot.domain.errors import DomainError
from vpbot.ui.options import CATEGORY_VALUES

UTC = timezone.utc


def key_of(call: object, *args: object) -> str:
    with pytest.raises(DomainError) as raised:
        call(*args)  # type: ignore[operator]
    return raised.value.key


def test_transitions() -> None:
    assert check_transition("open", CaseStatus.CLOSED) is CaseStatus.CLOSED
    assert check_transition("closed", CaseStatus.OPEN) is CaseStatus.OPEN
    assert check_transition("closed", CaseStatus.PURGED) is CaseStatus.PURGED
    assert check_transition("open", CaseStatus.PURGED) is CaseStatus.PURGED
    assert key_of(check_transition, "open", CaseStatus.OPEN) == "case.invalid_transition"
    assert key_of(check_transition, "closed", CaseStatus.CLOSED) == "case.invalid_transition"
    for target in CaseStatus:
        assert key_of(check_transition, "purged", target) == "case.invalid_transition"


def test_categories_are_the_eight_dutch_ones_with_the_ui_values() -> None:
    assert len(CATEGORIES) == 8
    assert CATEGORIES == CATEGORY_VALUES


def test_validate_categories() -> None:
    assert validate_categories(["workload", "bullying", "workload"]) == ("bullying", "workload")
    assert validate_categories([]) == ()
    assert validate_categories(["undisclosed"]) == ("undisclosed",)
    assert key_of(validate_categories, ["pestkop"]) == "input.invalid"
    # "Zeg ik liever niet" cannot be combined with a category.
    assert key_of(validate_categories, ["undisclosed", "bullying"]) == "input.invalid"


def test_validate_note() -> None:
    assert validate_note("  Gesprek gehad.  ") == "Gesprek gehad."
    assert validate_note("x" * MAX_NOTE_LENGTH) == "x" * MAX_NOTE_LENGTH
    assert key_of(validate_note, "x" * (MAX_NOTE_LENGTH + 1)) == "note.too_long"
    assert key_of(validate_note, "") == "input.invalid"
    assert key_of(validate_note, "   \n ") == "input.invalid"


def test_disclosure_reason_and_justification() -> None:
    assert validate_reason("acute_danger") is DisclosureReason.ACUTE_DANGER
    assert validate_reason("legal_duty") is DisclosureReason.LEGAL_DUTY
    assert key_of(validate_reason, "curiosity") == "input.invalid"
    enough = "j" * MIN_JUSTIFICATION_LENGTH
    assert validate_justification(f"  {enough} ") == enough
    for missing in (None, "", "   ", "j" * (MIN_JUSTIFICATION_LENGTH - 1)):
        assert key_of(validate_justification, missing) == "disclosure.justification_required"
    assert key_of(validate_justification, "j" * 5001) == "note.too_long"


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime(2026, 9, 7, 8, 0, tzinfo=UTC), 12, datetime(2027, 9, 7, 8, 0, tzinfo=UTC)),
        (datetime(2026, 1, 31, 8, 0, tzinfo=UTC), 1, datetime(2026, 2, 28, 8, 0, tzinfo=UTC)),
        (datetime(2027, 12, 31, 8, 0, tzinfo=UTC), 2, datetime(2028, 2, 29, 8, 0, tzinfo=UTC)),
        (datetime(2026, 11, 30, 8, 0, tzinfo=UTC), 3, datetime(2027, 2, 28, 8, 0, tzinfo=UTC)),
        (datetime(2026, 5, 15, 8, 0, tzinfo=UTC), 120, datetime(2036, 5, 15, 8, 0, tzinfo=UTC)),
        (datetime(2026, 5, 15, 8, 0, tzinfo=UTC), 0, datetime(2026, 5, 15, 8, 0, tzinfo=UTC)),
    ],
)
def test_add_months(start: datetime, months: int, expected: datetime) -> None:
    assert add_months(start, months) == expected


def test_purge_after_is_retention_months_after_closing() -> None:
    closed = datetime(2026, 8, 31, 15, 0, tzinfo=UTC)
    assert purge_after(closed, 6) == datetime(2027, 2, 28, 15, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        add_months(closed, -1)
