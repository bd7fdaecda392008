"""What one case adds to the annual figures (vpbot.domain.statistics)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from vpbot.domain.statistics import AppointmentFact, CaseFacts, as_report, contribution, period_of

OPENED = datetime(2026, 9, 7, 8, 0, tzinfo=timezone.utc)


def test_a_bare_case_counts_once_without_category() -> None:
    assert contribution(CaseFacts(OPENED)) == {("cases", "all"): 1, ("cases_by_category", "none"): 1}


def test_a_full_case_contributes_counts_only() -> None:
    facts = CaseFacts(
        opened_at=OPENED,
        categories=("bullying", "workload"),
        appointments=(
            AppointmentFact(OPENED + timedelta(days=5, hours=3), "video", cancelled=False),
            AppointmentFact(OPENED + timedelta(days=1), "phone", cancelled=True),
            AppointmentFact(OPENED + timedelta(days=20), "video", cancelled=False),
        ),
        referrals=(("company_doctor", "shared"), ("legal", "declined")),
        checkin_answers=("talk", None),
        disclosure_reasons=("legal_duty",),
    )
    counts = contribution(facts)
    assert counts["cases_by_category", "bullying"] == counts["cases_by_category", "workload"] == 1
    assert counts["appointments", "video"] == 2 and ("appointments", "phone") not in counts
    # Days to the first appointment that actually took place (whole days).
    assert counts["contact_to_first_appointment_days", "sum"] == 5
    assert counts["contact_to_first_appointment_days", "count"] == 1
    assert counts["referrals_by_kind", "legal"] == counts["referrals_by_status", "shared"] == 1
    assert counts["checkins", "talk"] == counts["checkins", "unanswered"] == 1
    assert counts["disclosures", "legal_duty"] == 1
    assert all(isinstance(v, int) for v in counts.values())


def test_period_follows_the_tenants_calendar() -> None:
    new_year_in_amsterdam = datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)
    assert period_of(new_year_in_amsterdam, "Europe/Amsterdam") == (2027, 1)
    assert period_of(new_year_in_amsterdam, "UTC") == (2026, 4)
    assert period_of(OPENED, "Europe/Amsterdam") == (2026, 3)


def test_report_merges_rows_and_leaves_out_zeros() -> None:
    rows = [("cases", "all", 2), ("cases", "all", 1), ("appointments", "video", 0)]
    assert as_report(rows) == {"cases": {"all": 3}}
