"""Small counts in the annual report cannot be worked out from anything it publishes."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.attacker import TOTAL, Var, recoverable
from vpbot.domain.report import build_report
from vpbot.domain.report_model import AnnualReport, TableKey
from vpbot.domain.suppression import Mark, Network, protect, protected

YEAR = 2026
# A few rows per table keep the exhaustive attack fast; the rules do not depend on the names.
CATEGORIES = ("bullying", "workload", "none")
MODES = ("in_person", "video")
KINDS = ("company_doctor", "mediator", "hr")
ANSWERS = ("good", "talk", "unanswered")
Figures = dict[int, dict[str, dict[str, int]]]

counts = st.one_of(st.integers(0, 4), st.integers(0, 14))


@st.composite
def histories(draw: st.DrawFn) -> tuple[Figures, tuple[int, ...]]:
    """Raw quarterly figures as the statistics service gives them (one category per case)."""
    quarters = tuple(range(1, draw(st.integers(1, 4)) + 1))
    figures: Figures = {}
    for quarter in quarters:
        kinds = {"internal": draw(counts), "external": draw(counts)}
        cases = sum(kinds.values())
        categories = Counter(draw(st.lists(st.sampled_from(CATEGORIES), min_size=cases, max_size=cases)))
        figures[quarter] = {
            "cases": {"all": cases},
            "cases_by_adviser": kinds,
            "cases_by_category": dict(categories),
            "appointments": {mode: draw(counts) for mode in MODES},
            "threads": {"all": draw(counts)},
            "referrals_by_kind": {kind: draw(st.integers(0, 3)) for kind in KINDS},
            "checkins": {answer: draw(st.integers(0, 3)) for answer in ANSWERS},
            "disclosures": {"acute_danger": draw(st.integers(0, 2))},
        }
    return figures, quarters


def _truth(report: AnnualReport) -> dict[Var, int]:
    """Every published figure of an unsuppressed report, by the attacker's variable names."""
    truth: dict[Var, int] = {}
    for table in report.tables:
        for row in table.all_rows():
            for column, figure in zip(table.columns, row.cells, strict=True):
                assert isinstance(figure, int)
                truth[table.key, row.key, column] = figure
            if row.total is not None:
                assert isinstance(row.total, int)
                truth[table.key, row.key, TOTAL] = row.total
    return truth


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_no_suppressed_figure_can_be_recovered(history: tuple[Figures, tuple[int, ...]]) -> None:
    figures, quarters = history
    report = build_report(YEAR, figures, quarters)
    truth = _truth(build_report(YEAR, figures, quarters, threshold=1))
    published = [f for t in report.tables for f in t.figures()]
    # Primary suppression: no published number from 1 to 4.
    assert not [f for f in published if isinstance(f, int) and 0 < f < report.threshold]
    cap = max(truth.values(), default=0) + report.threshold + 2
    assert recoverable(report, truth, cap) == []


def test_a_lone_small_cell_gets_a_partner_in_its_row_and_column() -> None:
    # Internal advisers: 3 cases in Q1, 10 in Q2; external: 12 and 20. The 3 alone would be
    # the internal year total (13) minus 10.
    figures: Figures = {
        1: {"cases_by_adviser": {"internal": 3, "external": 12}, "cases_by_category": {"other": 15}},
        2: {"cases_by_adviser": {"internal": 10, "external": 20}, "cases_by_category": {"other": 30}},
    }
    report = build_report(YEAR, figures, (1, 2))
    cases = report.table(TableKey.CASES)
    internal, external, totals = cases.all_rows()
    assert internal.cells[0] is Mark.SMALL
    hidden = [f for f in cases.figures() if f is Mark.HIDDEN]
    assert len(hidden) >= 3  # a partner in the row, in the column, and the corner
    assert totals.total == 45  # the grand total stays: it gives nothing away here
    truth = _truth(build_report(YEAR, figures, (1, 2), threshold=1))
    assert recoverable(report, truth, cap=60) == []


def test_small_counts_show_as_less_than_the_threshold_and_zeros_as_zero() -> None:
    figures: Figures = {1: {"referrals_by_kind": {"hr": 2, "coach": 7}}}
    referrals = build_report(YEAR, figures, (1,)).table(TableKey.REFERRALS)
    by_kind = {row.key: row.cells[0] for row in referrals.all_rows()}
    assert by_kind["hr"] is Mark.SMALL and by_kind["police"] == 0
    # 2 + 7 = 9 would give the 2 away: the 7 (or the total) is hidden too.
    assert Mark.HIDDEN in (by_kind["coach"], by_kind["total"])


def test_nothing_is_hidden_when_nothing_is_small() -> None:
    figures: Figures = {q: {"cases_by_adviser": {"internal": 5 + q}, "cases_by_category": {"other": 5 + q}}
                        for q in (1, 2, 3, 4)}
    report = build_report(YEAR, figures)
    assert not any(isinstance(f, Mark) for t in report.tables for f in t.figures())
    assert not report.empty


def test_a_figure_that_no_cycle_can_protect_makes_protect_fail() -> None:
    # Two figures that must be equal, one "<5" at 1 and one "<5" at 4: neither can move.
    network = Network()
    network.add("a", "b", 1)
    network.add("b", "a", 4)
    assert not protect(network)
    fine = Network()
    fine.add("a", "b", 2)
    fine.add("b", "a", 2)
    assert protect(fine) and protected(fine)
