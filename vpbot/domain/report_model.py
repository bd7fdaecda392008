"""The annual report's model: tables of published figures (pure, no rendering).

A figure is an ``int`` (shown exactly) or a :class:`~vpbot.domain.suppression.Mark`:
``SMALL`` ("<5") or ``HIDDEN`` ("x"). Screens, HTML, Markdown and CSV all render this one
model, so the admin panel and ``vpbot report`` always show the same numbers.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from vpbot.domain.suppression import THRESHOLD, Mark

__all__ = [
    "QUARTERS",
    "YEAR",
    "AnnualReport",
    "Counts",
    "Published",
    "Row",
    "Table",
    "TableKey",
    "exact_table",
    "quarter_column",
]

QUARTERS: tuple[int, ...] = (1, 2, 3, 4)
YEAR = "year"  # the one column of a table that is not split per quarter

Published = int | Mark  # a figure as shown: exact, or Mark.SMALL / Mark.HIDDEN


class TableKey(enum.StrEnum):
    """The report's tables, in the order they are shown."""

    CASES = "cases"  # cases per quarter, by internal / external adviser
    CATEGORIES = "categories"  # cases per registration category and quarter
    CONTACTS = "contacts"  # contacts (appointments by mode, message threads) per quarter
    REFERRALS = "referrals"  # referrals per type, for the year
    AFTERCARE = "aftercare"  # aftercare check-ins by answer, for the year
    DISCLOSURES = "disclosures"  # confidentiality broken, by ground, for the year
    OWN_CASES = "own_cases"  # an adviser's own cases per quarter (never suppressed)


def quarter_column(quarter: int) -> str:
    """The column name of a quarter: ``q1`` .. ``q4``."""
    return f"q{quarter}"


@dataclass(frozen=True)
class Row:
    """A row of a table: a figure per column, and the row's total if it is published."""

    key: str
    cells: tuple[Published, ...]
    total: Published | None = None


@dataclass(frozen=True)
class Table:
    """A published table. ``totals`` is the row of column totals (``None``: not published).

    A ``withheld`` table could not be protected and shows nothing at all.
    """

    key: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    totals: Row | None = None
    withheld: bool = False

    @property
    def per_quarter(self) -> bool:
        """Whether the columns are quarters (and rows carry a year total)."""
        return self.columns != (YEAR,)

    def all_rows(self) -> Iterator[Row]:
        """The rows, then the totals row if there is one."""
        yield from self.rows
        if self.totals is not None:
            yield self.totals

    def figures(self) -> Iterator[Published]:
        """Every published figure of the table."""
        for row in self.all_rows():
            yield from row.cells
            if row.total is not None:
                yield row.total


@dataclass(frozen=True)
class AnnualReport:
    """The anonymised annual report of one tenant for one calendar year.

    ``quarters`` are the quarters it covers: only quarters that are over, so watching the
    figures grow day by day cannot reveal who just came by. ``median_days`` (first contact
    to first appointment) is ``None`` when fewer than ``threshold`` cases had one.
    """

    year: int
    quarters: tuple[int, ...]
    tables: tuple[Table, ...]
    median_days: int | None
    threshold: int = THRESHOLD

    def table(self, key: str) -> Table:
        """The table ``key``."""
        return next(t for t in self.tables if t.key == key)

    @property
    def empty(self) -> bool:
        """Whether there is nothing to report (no quarter over, or no case at all)."""
        return not any(f != 0 for t in self.tables for f in t.figures()) and not any(
            t.withheld for t in self.tables
        )


@dataclass(frozen=True)
class Counts:
    """Raw counts of a table before publication: ``counts[row, column]``, zeros left out."""

    key: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: Mapping[tuple[str, str], int]

    def cell(self, row: str, column: str) -> int:
        """One count (0 when absent)."""
        return self.counts.get((row, column), 0)

    def row_total(self, row: str) -> int:
        """The sum of a row."""
        return sum(self.cell(row, column) for column in self.columns)

    def column_total(self, column: str) -> int:
        """The sum of a column."""
        return sum(self.cell(row, column) for row in self.rows)

    def grand_total(self) -> int:
        """The sum of everything."""
        return sum(self.row_total(row) for row in self.rows)


def exact_table(counts: Counts) -> Table:
    """A table with every figure exact and all totals — for figures that need no
    suppression, such as an adviser's own caseload (they know every one of those cases)."""
    several = len(counts.columns) > 1
    rows = tuple(
        Row(r, tuple(counts.cell(r, c) for c in counts.columns), counts.row_total(r) if several else None)
        for r in counts.rows
    )
    totals = Row(
        "total",
        tuple(counts.column_total(c) for c in counts.columns),
        counts.grand_total() if several else None,
    )
    return Table(counts.key, counts.columns, rows, totals)
