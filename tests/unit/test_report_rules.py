"""The report's rules: which quarters count, the median wait, and what a case contributes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from vpbot.domain.report import build_report, median_days, reportable_quarters
from vpbot.domain.report_model import Counts, TableKey, exact_table
from vpbot.domain.statistics import MAX_DAYS, AppointmentFact, CaseFacts, contribution

UTC = timezone.utc
AMSTERDAM = "Europe/Amsterdam"


def test_only_quarters_that_are_over_are_reported() -> None:
    assert reportable_quarters(2025, datetime(2026, 5, 1, tzinfo=UTC), AMSTERDAM) == (1, 2, 3, 4)
    assert reportable_quarters(2027, datetime(2026, 5, 1, tzinfo=UTC), AMSTERDAM) == ()
    assert reportable_quarters(2026, datetime(2026, 3, 31, 12, tzinfo=UTC), AMSTERDAM) == ()
    assert reportable_quarters(2026, datetime(2026, 8, 20, tzinfo=UTC), AMSTERDAM) == (1, 2)
    # 30 September 22:30 UTC is already 1 October in Amsterdam.
    assert reportable_quarters(2026, datetime(2026, 9, 30, 22, 30, tzinfo=UTC), AMSTERDAM) == (1, 2, 3)
    assert reportable_quarters(2026, datetime(2026, 9, 30, 22, 30, tzinfo=UTC), "UTC") == (1, 2)


def test_the_median_wait_is_exact_and_needs_five_cases() -> None:
    assert median_days({"1": 1, "2": 1, "3": 1, "4": 1, "5": 1}) == 3
    assert median_days({"2": 1, "4": 1, "6": 1, "8": 1, "10": 1, "12": 1}) == 7
    assert median_days({"1": 1, "2": 2, "3": 1, "4": 1, "5": 1}) == 3  # 2.5 rounds up
    assert median_days({"0": 5, "30": 1}) == 0
    assert median_days({"3": 4}) is None and median_days({}) is None


def test_a_case_contributes_its_adviser_kind_threads_and_wait() -> None:
    opened = datetime(2026, 9, 7, 8, 0, tzinfo=UTC)
    facts = CaseFacts(
        opened_at=opened,
        appointments=(AppointmentFact(opened + timedelta(days=9, hours=2), "video", cancelled=False),),
        external_adviser=True,
        threads=2,
    )
    counts = contribution(facts)
    assert counts["cases_by_adviser", "external"] == 1 and ("cases_by_adviser", "internal") not in counts
    assert counts["threads", "all"] == 2
    assert counts["first_appointment_days", "9"] == 1
    late = CaseFacts(opened, appointments=(AppointmentFact(opened + timedelta(days=900), "phone", False),))
    assert contribution(late)["first_appointment_days", str(MAX_DAYS)] == 1


def test_the_report_follows_the_quarter_of_first_contact() -> None:
    figures = {
        1: {"cases_by_adviser": {"internal": 6}, "cases_by_category": {"bullying": 6},
            "appointments": {"video": 7}, "threads": {"all": 5}, "first_appointment_days": {"4": 6}},
        3: {"cases_by_adviser": {"external": 8}, "cases_by_category": {"workload": 8},
            "referrals_by_kind": {"coach": 6}, "checkins": {"good": 9}},
    }
    report = build_report(2026, figures, (1, 2, 3))
    cases = report.table(TableKey.CASES)
    assert cases.columns == ("q1", "q2", "q3")
    assert [r.cells for r in cases.all_rows()] == [(6, 0, 0), (0, 0, 8), (6, 0, 8)]
    contacts = report.table(TableKey.CONTACTS)
    assert contacts.totals is not None and contacts.totals.cells == (12, 0, 0)
    assert report.table(TableKey.REFERRALS).rows[2].cells == (6,)  # coach
    assert report.median_days == 4
    # Q4 is left out of the figures when it is not over, even if there were figures for it.
    assert build_report(2026, {4: figures[3]}, (1, 2, 3)).empty


def test_an_exact_table_adds_up() -> None:
    table = exact_table(Counts(TableKey.OWN_CASES, ("opened",), ("q1", "q2"), {("opened", "q2"): 3}))
    assert [(r.key, r.cells, r.total) for r in table.all_rows()] == [
        ("opened", (0, 3), 3),
        ("total", (0, 3), 3),
    ]
