"""The annual report as translated text grids: what every file format writes out.

Each table becomes a title, column headers, and rows of a label followed by figure texts
("12", "<5", "x"), so HTML, Markdown and CSV cannot disagree about a single number.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpbot.domain.report_model import AnnualReport
from vpbot.ui import i18n
from vpbot.ui.report.labels import (
    column_key,
    columns_of,
    figure_text,
    figures_of,
    row_key,
    table_note_key,
    table_title_key,
)

__all__ = ["Grid", "grids", "median_text", "texts"]


@dataclass(frozen=True)
class Grid:
    """A table, translated. ``rows[i][0]`` is the row label; the last row may be the totals."""

    key: str
    title: str
    headers: tuple[str, ...]  # column headers, without the label column
    rows: tuple[tuple[str, ...], ...]
    has_totals: bool
    note: str | None
    withheld: bool


def texts(locale: str, key: str, **params: object) -> str:
    """A catalogue text (a short alias used by the formats)."""
    return i18n.t(key, locale, **params)


def grids(report: AnnualReport, locale: str) -> list[Grid]:
    """Every table of ``report`` that has columns, translated into ``locale``."""
    result = []
    for table in report.tables:
        if not table.columns and not table.withheld:
            continue
        note = table_note_key(table)
        result.append(
            Grid(
                key=table.key,
                title=texts(locale, table_title_key(table)),
                headers=tuple(texts(locale, column_key(c)) for c in columns_of(table)),
                rows=tuple(
                    (
                        texts(locale, row_key(table, row.key)),
                        *(figure_text(f, report.threshold) for f in figures_of(row)),
                    )
                    for row in table.all_rows()
                ),
                has_totals=table.totals is not None,
                note=texts(locale, note) if note else None,
                withheld=table.withheld,
            )
        )
    return result


def median_text(report: AnnualReport, locale: str) -> str:
    """The sentence about the median wait for a first appointment."""
    if report.median_days is None:
        return texts(locale, "report.median.none")
    return texts(locale, "report.median", days=report.median_days)
