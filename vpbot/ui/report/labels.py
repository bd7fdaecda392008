"""Names and figures of the annual report, for every way it is shown (screens and files).

Labels are catalogue keys, so the report is Dutch by default and English on request. The
marks "<5" and "x" are not catalogue text (catalogues hold plain text without "<"): they
are the same in both languages and built here.
"""

from __future__ import annotations

from vpbot.domain.report_model import YEAR, Published, Row, Table, TableKey
from vpbot.domain.suppression import Mark
from vpbot.ui import i18n

__all__ = [
    "HIDDEN_MARK",
    "TOTAL",
    "column_key",
    "columns_of",
    "figure_text",
    "figures_of",
    "legend",
    "legend_params",
    "row_key",
    "small_mark",
    "table_note_key",
    "table_title_key",
]

TOTAL = "total"
HIDDEN_MARK = "x"

# table -> the catalogue prefix of its row labels (rows not listed here: ``report.row.<row>``).
_ROW_PREFIX: dict[str, str] = {
    TableKey.CATEGORIES: "category",
    TableKey.CONTACTS: "mode",
    TableKey.REFERRALS: "referral.type",
    TableKey.AFTERCARE: "admin.stats.checkin",
    TableKey.DISCLOSURES: "disclosure.ground",
}
_NOTES = (TableKey.CATEGORIES, TableKey.CONTACTS, TableKey.AFTERCARE)


def small_mark(threshold: int) -> str:
    """How a count from 1 to ``threshold - 1`` is shown: "<5"."""
    return f"<{threshold}"


def figure_text(figure: Published, threshold: int) -> str:
    """A published figure as text: the number, "<5" or "x"."""
    if figure is Mark.SMALL:
        return small_mark(threshold)
    if figure is Mark.HIDDEN:
        return HIDDEN_MARK
    return str(figure)


def columns_of(table: Table) -> list[str]:
    """The columns as shown: the quarters and the year total, or the one count column."""
    return [*table.columns, TOTAL] if table.per_quarter else list(table.columns)


def figures_of(row: Row) -> list[Published]:
    """A row's figures as shown, in the order of :func:`columns_of`."""
    return [*row.cells, *([row.total] if row.total is not None else [])]


def table_title_key(table: Table) -> str:
    """The catalogue key of a table's title."""
    return f"report.table.{table.key}"


def table_note_key(table: Table) -> str | None:
    """The catalogue key of a note under the table, if it has one."""
    return f"report.note.{table.key}" if table.key in _NOTES else None


def row_key(table: Table, row: str) -> str:
    """The catalogue key of a row's label."""
    if row == TOTAL:
        return f"report.total.{table.key}"
    prefix = _ROW_PREFIX.get(table.key)
    key = f"{prefix}.{row}" if prefix else f"report.row.{row}"
    return key if i18n.has_key(key) else f"report.row.{row}"


def column_key(column: str) -> str:
    """The catalogue key of a column header: a quarter, the year total, or the year count."""
    return "report.column.count" if column == YEAR else f"report.column.{column}"


def legend(locale: str, threshold: int) -> str:
    """What "<5", "x" and 0 mean."""
    return i18n.t("report.legend", locale, **legend_params(threshold))


def legend_params(threshold: int) -> dict[str, str | int]:
    """The parameters of ``report.legend``."""
    return {"small": small_mark(threshold), "hidden": HIDDEN_MARK, "max": threshold - 1}
