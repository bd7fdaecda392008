"""The annual report from a generated year of casework: it survives retention, and no free
text, name or id from any case reaches any of its formats (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, func, select

from tests.support.history import History, make_history
from vpbot.domain.errors import DomainError
from vpbot.domain.report_model import AnnualReport, TableKey
from vpbot.domain.suppression import Mark
from vpbot.services import report as reports
from vpbot.services import retention
from vpbot.storage.models import AuditEvent, Case
from vpbot.ui.report import FORMATS, LOCALES, render
from vpbot.ui.views.admin_config import statistics_screen

YEAR = 2026
NEXT_JANUARY = datetime(YEAR + 1, 1, 15, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def history(engine: Engine) -> History:
    return make_history(engine, seed=7, year=YEAR, cases=24)


def _report(history: History) -> AnnualReport:
    with history.make() as uow:
        return reports.tenant_report(uow, history.tenant_id, YEAR)


def _everything(report: AnnualReport) -> dict[tuple[str, str], str]:
    return {(fmt, lang): render(report, fmt, lang) for fmt in FORMATS for lang in LOCALES}


def test_a_report_is_the_same_before_and_after_its_cases_are_purged(history: History) -> None:
    history.clock.at = NEXT_JANUARY
    before = _report(history)
    assert before.quarters == (1, 2, 3, 4) and not before.empty
    assert any(f is Mark.SMALL for t in before.tables for f in t.figures())
    cases = before.table(TableKey.CASES)
    assert cases.totals is not None and cases.totals.total == 24
    outputs = _everything(before)

    # Retention runs when every closed case is past its date (12 months after closing).
    history.clock.at = datetime(YEAR + 2, 3, 1, tzinfo=timezone.utc)
    with history.make() as uow:
        purged = retention.purge_due(uow, uow.now).purged
        uow.commit()
    with history.make() as uow:
        left = uow.session.scalar(
            select(func.count()).select_from(Case).where(Case.tenant_id == history.tenant_id, Case.status != "purged")
        )
    assert purged >= 15 and purged + int(left or 0) == 24  # open cases stay, and still count live
    after = _report(history)
    assert after == before
    assert _everything(after) == outputs


def test_no_free_text_name_or_id_appears_in_any_output(history: History) -> None:
    history.clock.at = NEXT_JANUARY
    report = _report(history)
    shown = [*_everything(report).values(), repr(report)]
    shown.append(repr(statistics_screen(YEAR, [YEAR], report)))
    with history.make() as uow:
        for adviser in history.advisers:
            shown.append(repr(reports.adviser_numbers(uow, adviser)))
    assert len(history.never_shown) > 100
    leaked = sorted({s for s in history.never_shown for text in shown if s in text})
    assert leaked == []


def test_the_current_quarter_is_not_reported_until_it_is_over(history: History) -> None:
    history.clock.at = datetime(YEAR, 8, 20, tzinfo=timezone.utc)  # Q3 under way
    report = _report(history)
    assert report.quarters == (1, 2)
    assert report.table(TableKey.CASES).columns == ("q1", "q2")
    history.clock.at = datetime(YEAR, 2, 1, tzinfo=timezone.utc)
    early = _report(history)
    assert early.quarters == () and early.empty
    assert "nog geen kwartaal" in render(early, "html", "nl")


def test_an_admin_sees_the_report_and_nobody_else_does(engine: Engine) -> None:
    history = make_history(engine, seed=3, cases=4)
    history.clock.at = NEXT_JANUARY
    with history.make() as uow:
        seen = reports.annual_report(uow, history.admin, YEAR)
        assert seen == reports.tenant_report(uow, history.tenant_id, YEAR)
        for adviser in history.advisers:
            with pytest.raises(DomainError) as caught:
                reports.annual_report(uow, adviser, YEAR)
            assert caught.value.key == "auth.forbidden"


def test_printing_is_audited_without_content(engine: Engine) -> None:
    history = make_history(engine, seed=5, cases=2)
    with history.make() as uow:
        assert reports.find_tenants(uow, history.external_id) == [history.tenant_id]
        assert reports.find_tenants(uow, history.tenant_id) == [history.tenant_id]
        assert reports.find_tenants(uow, "T-NOBODY") == []
        reports.record_printed(uow, history.tenant_id, YEAR)
        uow.commit()
    with history.make() as uow:
        event = uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.printed")).one()
        seen = (event.actor_role, event.tenant_id, event.object_type, event.object_id)
    assert seen == ("cli", history.tenant_id, "annual_report", f"{history.tenant_id}:{YEAR}")


def test_an_adviser_sees_exactly_their_own_numbers(history: History) -> None:
    history.clock.at = datetime(YEAR, 12, 20, 9, 0, tzinfo=timezone.utc)
    with history.make() as uow:
        numbers = [reports.adviser_numbers(uow, adviser) for adviser in history.advisers]
        rows = {
            adviser.adviser_id: uow.session.execute(
                select(Case.status, Case.opened_at).where(Case.adviser_id == adviser.adviser_id)
            ).all()
            for adviser in history.advisers
        }
    for adviser, mine in zip(history.advisers, numbers, strict=True):
        assert mine.year == YEAR
        assert mine.caseload == len(rows[adviser.adviser_id])
        assert mine.open_cases == sum(status == "open" for status, _ in rows[adviser.adviser_id])
        totals = mine.per_quarter.totals
        assert totals is not None and totals.total == mine.caseload
    assert sum(n.caseload for n in numbers) == 24
    # Check-ins: only those still waiting, and those due in the next four weeks.
    history.clock.at += timedelta(days=400)
    with history.make() as uow:
        later = reports.adviser_numbers(uow, history.advisers[0])
    assert later.caseload == 0 and later.checkins_due >= numbers[0].checkins_due
