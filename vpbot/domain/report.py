"""The annual report (jaarverslag): raw quarterly figures in, safe tables out (pure).

:func:`build_report` turns the figures of :func:`vpbot.services.statistics.quarterly_statistics`
into the tables of the report and protects them with :mod:`vpbot.domain.suppression`:

- cases per quarter, by internal / external adviser, with all totals;
- cases per registration category and quarter, with the year total per category. A case
  can have several categories, so the column sums are not published; the reader may still
  assume they equal the cases per quarter (they do when every case has one category), so
  both tables are protected as one network in which they share those totals;
- contacts per quarter: appointments by mode (in person, phone, video; cancelled ones do
  not count) and secure message threads, with all totals;
- referrals per type, aftercare answers and disclosures by ground, for the year.

Every figure of a case belongs to the quarter in which the case was opened (its first
contact), as in :mod:`vpbot.domain.statistics`, so the report is the same before and after
cases are purged. Only quarters that are over are reported.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from vpbot.domain.booking import MeetingMode
from vpbot.domain.cases import CATEGORIES, DisclosureReason
from vpbot.domain.referrals import ReferralKind
from vpbot.domain.report_model import (
    QUARTERS,
    YEAR,
    AnnualReport,
    Counts,
    Published,
    Row,
    Table,
    TableKey,
    quarter_column,
)
from vpbot.domain.statistics import EXTERNAL, INTERNAL, NO_CATEGORY, UNANSWERED
from vpbot.domain.suppression import THRESHOLD, Arc, Mark, Network, protect

__all__ = ["MESSAGES", "build_report", "median_days", "reportable_quarters"]

Figures = Mapping[int, Mapping[str, Mapping[str, int]]]  # quarter -> metric -> dimension -> count

MESSAGES = "messages"  # the contact channel of secure message threads
ADVISER_KINDS: tuple[str, ...] = (INTERNAL, EXTERNAL)
CATEGORY_ROWS: tuple[str, ...] = (*CATEGORIES, NO_CATEGORY)
CHANNELS: tuple[str, ...] = (*(m.value for m in MeetingMode), MESSAGES)
AFTERCARE_ANSWERS: tuple[str, ...] = ("good", "talk", "stop", UNANSWERED)
_ROW, _COLUMN, _TOTAL = "row", "column", "total"

# (table, metric, the rows it may have) for the tables that cover the whole year.
_YEAR_TABLES: tuple[tuple[TableKey, str, tuple[str, ...]], ...] = (
    (TableKey.REFERRALS, "referrals_by_kind", tuple(k.value for k in ReferralKind)),
    (TableKey.AFTERCARE, "checkins", AFTERCARE_ANSWERS),
    (TableKey.DISCLOSURES, "disclosures", tuple(r.value for r in DisclosureReason)),
)

Cells = dict[tuple[str, str], Arc]  # (row or "total", column or "total") -> its arc
Namer = Callable[[str], Hashable]  # a row or column -> its node in a network
Pick = Callable[[Mapping[str, Mapping[str, int]]], Mapping[str, int]]  # a quarter's counts per row


def reportable_quarters(year: int, now: datetime, tz: str) -> tuple[int, ...]:
    """The quarters of ``year`` that are over at ``now`` on the tenant's calendar (``tz``)."""
    local = now.astimezone(ZoneInfo(tz))
    if year != local.year:
        return QUARTERS if year < local.year else ()
    return tuple(q for q in QUARTERS if local.month > 3 * q)


def median_days(histogram: Mapping[str, int], threshold: int = THRESHOLD) -> int | None:
    """The median of a ``{days: cases}`` histogram, rounded half up to whole days.

    ``None`` when it counts fewer than ``threshold`` cases: a median of two is nearly a
    person's own waiting time.
    """
    values = sorted((int(days), count) for days, count in histogram.items() if count > 0)
    total = sum(count for _, count in values)
    if total < threshold:
        return None
    middle = sorted({(total - 1) // 2, total // 2})
    picked: list[int] = []
    seen = 0
    for days, count in values:
        picked += [days for position in middle if seen <= position < seen + count]
        seen += count
    # One middle value, or the mean of two rounded half up.
    return (sum(picked) + 1) // 2 if len(picked) == 2 else picked[0]


def build_report(
    year: int, figures: Figures, quarters: Iterable[int] = QUARTERS, threshold: int = THRESHOLD
) -> AnnualReport:
    """The report for ``year`` from raw quarterly figures, covering ``quarters`` only."""
    covered = tuple(q for q in QUARTERS if q in set(quarters))
    columns = tuple(quarter_column(q) for q in covered)
    cases = _quarter_counts(TableKey.CASES, ADVISER_KINDS, figures, covered, _metric("cases_by_adviser"))
    categories = _quarter_counts(
        TableKey.CATEGORIES, CATEGORY_ROWS, figures, covered, _metric("cases_by_category")
    )
    contacts = _quarter_counts(TableKey.CONTACTS, CHANNELS, figures, covered, _contacts)
    tables: list[Table] = []
    if columns:
        tables += _publish_linked(cases, categories, threshold)
        tables.append(_publish_standalone(contacts, threshold))
    else:
        tables += [Table(c.key, (), ()) for c in (cases, categories, contacts)]
    for key, metric, rows in _YEAR_TABLES:
        tables.append(_publish_standalone(_year_counts(key, rows, figures, covered, metric), threshold))
    histogram: dict[str, int] = {}
    for quarter in covered:
        for days, count in figures.get(quarter, {}).get("first_appointment_days", {}).items():
            histogram[days] = histogram.get(days, 0) + count
    return AnnualReport(year, covered, tuple(tables), median_days(histogram, threshold), threshold)


# --------------------------------------------------------------------------- raw counts


def _metric(metric: str) -> Pick:
    return lambda figures: figures.get(metric, {})


def _contacts(figures: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    return {**figures.get("appointments", {}), MESSAGES: figures.get("threads", {}).get("all", 0)}


def _quarter_counts(
    key: TableKey, rows: tuple[str, ...], figures: Figures, quarters: tuple[int, ...], pick: Pick
) -> Counts:
    counts: dict[tuple[str, str], int] = {}
    for quarter in quarters:
        found: Mapping[str, int] = pick(figures.get(quarter, {}))
        for row in rows:
            if found.get(row, 0):
                counts[row, quarter_column(quarter)] = found[row]
    return Counts(key, rows, tuple(quarter_column(q) for q in quarters), counts)


def _year_counts(
    key: TableKey, rows: tuple[str, ...], figures: Figures, quarters: tuple[int, ...], metric: str
) -> Counts:
    per_quarter = _quarter_counts(key, rows, figures, quarters, _metric(metric))
    totals = {(row, YEAR): per_quarter.row_total(row) for row in rows}
    return Counts(key, rows, (YEAR,), {cell: n for cell, n in totals.items() if n})


# --------------------------------------------------------------------------- networks


def _add_cells(network: Network, counts: Counts, row_node: Namer, column_node: Namer,
               *, reverse: bool = False) -> Cells:
    """One arc per cell, between the nodes of its row and its column."""
    cells: Cells = {}
    for row in counts.rows:
        for column in counts.columns:
            ends = (row_node(row), column_node(column))
            tail, head = ends[::-1] if reverse else ends
            cells[row, column] = network.add(tail, head, counts.cell(row, column))
    return cells


def _add_row_totals(network: Network, counts: Counts, source: Hashable, row_node: Namer,
                    *, reverse: bool = False) -> Cells:
    several = len(counts.columns) > 1  # with one column, the row total is the cell itself
    cells: Cells = {}
    for row in counts.rows:
        ends = (source, row_node(row))
        tail, head = ends[::-1] if reverse else ends
        cells[row, _TOTAL] = network.add(tail, head, counts.row_total(row), published=several, margin=True)
    return cells


def _publish_standalone(counts: Counts, threshold: int) -> Table:
    """One table as its own network: S -> row -> column -> Z -> S."""
    network = Network()
    start, end = (counts.key, "S"), (counts.key, "Z")
    row_node = lambda row: (counts.key, _ROW, row)  # noqa: E731 - tiny node namers
    column_node = lambda column: (counts.key, _COLUMN, column)  # noqa: E731
    cells = _add_row_totals(network, counts, start, row_node)
    cells |= _add_cells(network, counts, row_node, column_node)
    for column in counts.columns:
        total = counts.column_total(column)
        cells[_TOTAL, column] = network.add(column_node(column), end, total, margin=True)
    several = len(counts.columns) > 1
    cells[_TOTAL, _TOTAL] = network.add(end, start, counts.grand_total(), published=several, margin=True)
    return _table(counts, cells, protect(network, threshold), with_totals_row=True)


def _publish_linked(first: Counts, second: Counts, threshold: int) -> list[Table]:
    """Two tables that share their column totals and grand total, as one network.

    S -> first row -> column -> (column total) -> shared column node -> second row -> Z -> S:
    the first table's column totals flow on into the second table's cells, and the grand
    total closes the loop, so any change a reader could make in one must be balanced in
    the other.
    """
    network = Network()
    start, end = ("linked", "S"), ("linked", "Z")
    first_row = lambda row: (first.key, _ROW, row)  # noqa: E731
    first_column = lambda column: (first.key, _COLUMN, column)  # noqa: E731
    shared = lambda column: ("linked", _COLUMN, column)  # noqa: E731
    second_row = lambda row: (second.key, _ROW, row)  # noqa: E731
    one = _add_row_totals(network, first, start, first_row)
    one |= _add_cells(network, first, first_row, first_column)
    for column in first.columns:
        one[_TOTAL, column] = network.add(
            first_column(column), shared(column), first.column_total(column), margin=True
        )
    two = _add_cells(network, second, second_row, shared, reverse=True)
    two |= _add_row_totals(network, second, end, second_row, reverse=True)
    one[_TOTAL, _TOTAL] = network.add(end, start, first.grand_total(), margin=True)
    ok = protect(network, threshold)
    return [_table(first, one, ok, with_totals_row=True), _table(second, two, ok, with_totals_row=False)]


def _published(arc: Arc) -> Published:
    return arc.value if arc.mark is Mark.SHOWN else arc.mark


def _table(counts: Counts, cells: Cells, ok: bool, *, with_totals_row: bool) -> Table:
    """The published table (``ok=False``: its network could not be protected; withheld)."""
    if not ok:
        return Table(counts.key, counts.columns, (), None, withheld=True)
    several = len(counts.columns) > 1

    def row(key: str, source: str) -> Row:
        figures = tuple(_published(cells[source, c]) for c in counts.columns)
        return Row(key, figures, _published(cells[source, _TOTAL]) if several else None)

    rows = tuple(row(r, r) for r in counts.rows)
    return Table(counts.key, counts.columns, rows, row(_TOTAL, _TOTAL) if with_totals_row else None)
