"""The annual report as CSV (``vpbot report --format csv``) that opens in a spreadsheet.

Choices, for Dutch Excel above all: UTF-8 with a byte-order mark (so "één" survives),
``;`` as separator (Excel in a Dutch locale splits on it; a comma is the decimal sign
there), CRLF line ends, and one header row. The layout is *long*: one line per figure —
table, row, column, value — so it sorts, filters and pivots without merged cells. Values
are numbers or the marks "<5" and "x"; the median is the last line.
"""

from __future__ import annotations

import csv
import io

from vpbot.domain.report_model import AnnualReport
from vpbot.ui.report.grid import grids, texts

__all__ = ["BOM", "SEPARATOR", "render_csv"]

BOM = "\ufeff"
SEPARATOR = ";"


def render_csv(report: AnnualReport, locale: str) -> str:
    """The report as CSV text in ``locale`` (starting with a BOM)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=SEPARATOR, lineterminator="\r\n")
    writer.writerow([texts(locale, f"report.csv.{c}") for c in ("table", "row", "column", "value")])
    for grid in grids(report, locale):
        if grid.withheld:
            writer.writerow([grid.title, "", "", texts(locale, "report.csv.withheld")])
            continue
        for label, *figures in grid.rows:
            for header, figure in zip(grid.headers, figures, strict=True):
                writer.writerow([grid.title, label, header, figure])
    if report.quarters:
        median = "" if report.median_days is None else str(report.median_days)
        writer.writerow([texts(locale, "report.csv.median"), "", str(report.year), median])
    return BOM + out.getvalue()
