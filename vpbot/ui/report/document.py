"""The annual report as one self-contained HTML page (``vpbot report --format html``).

No scripts, fonts, images or links to anything outside the file: it opens offline, can be
mailed, and prints on A4 (print CSS: margins, tables and charts not split over pages, the
charts on their own page). Every text is escaped; there is no free text in it anyway.
"""

from __future__ import annotations

from html import escape

from vpbot.domain.report_model import AnnualReport, TableKey
from vpbot.ui.report.charts import bar_chart
from vpbot.ui.report.grid import Grid, grids, median_text, texts
from vpbot.ui.report.labels import legend

__all__ = ["render_html"]

_STYLE = """
:root { color: #1d2733; font-family: "Segoe UI", Arial, Helvetica, sans-serif; }
body { margin: 2rem auto; max-width: 52rem; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .3rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .4rem; }
.muted, .note { color: #52606d; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; margin: .3rem 0; }
th, td { border-bottom: 1px solid #d9dee3; padding: .25rem .5rem; }
th { background: #eef2f6; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td { text-align: right; font-variant-numeric: tabular-nums; }
tr.totals td { font-weight: 600; border-top: 2px solid #9aa5b1; }
figure { margin: 1rem 0 1.4rem; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
.chart { max-width: 40rem; display: block; font-size: 12px; }
.chart text { fill: #1d2733; }
.chart .bar { fill: #3b6ea5; }
.chart .mark { fill: #52606d; font-style: italic; }
@page { size: A4; margin: 18mm 16mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  section { break-inside: avoid; page-break-inside: avoid; }
  .charts { break-after: page; page-break-after: always; }
  th { background: #eef2f6 !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .chart .bar { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _table(grid: Grid, locale: str) -> str:
    if grid.withheld:
        body = f'<p class="note">{escape(texts(locale, "report.withheld"))}</p>'
    else:
        head = "".join(f"<th>{escape(h)}</th>" for h in ("", *grid.headers))
        rows = []
        for index, row in enumerate(grid.rows):
            totals = grid.has_totals and index == len(grid.rows) - 1
            cells = "".join(f"<td>{escape(c)}</td>" for c in row)
            rows.append(f'<tr class="totals">{cells}</tr>' if totals else f"<tr>{cells}</tr>")
        body = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        if grid.note:
            body += f'<p class="note">{escape(grid.note)}</p>'
    return f"<section><h2>{escape(grid.title)}</h2>{body}</section>"


def _charts(tables: dict[str, Grid], locale: str) -> str:
    """Cases per subject (year totals), and cases and contacts per quarter (column totals)."""
    charts = []
    categories = tables.get(TableKey.CATEGORIES)
    if categories is not None and not categories.withheld:
        charts.append(bar_chart(categories.title, [(row[0], row[-1]) for row in categories.rows]))
    for key, title in ((TableKey.CASES, texts(locale, "report.chart.cases")), (TableKey.CONTACTS, None)):
        grid = tables.get(key)
        if grid is not None and not grid.withheld and grid.has_totals:
            quarters = list(zip(grid.headers[:-1], grid.rows[-1][1:-1], strict=True))
            charts.append(bar_chart(title or grid.title, quarters))
    return f'<section class="charts">{"".join(charts)}</section>' if charts else ""


def render_html(report: AnnualReport, locale: str) -> str:
    """The report as a complete HTML document in ``locale``."""
    heading = escape(texts(locale, "report.heading", year=report.year))
    parts = [f"<h1>{heading}</h1>", f"<p>{escape(texts(locale, 'report.intro'))}</p>"]
    if not report.quarters:
        parts.append(f"<p>{escape(texts(locale, 'report.period.none', year=report.year))}</p>")
    else:
        period = texts(locale, "report.period", year=report.year, last=report.quarters[-1])
        parts += [f'<p class="muted">{escape(period)}</p>',
                  f'<p class="muted">{escape(legend(locale, report.threshold))}</p>']
        tables = {grid.key: grid for grid in grids(report, locale)}
        parts.append(_charts(tables, locale))
        parts += [_table(grid, locale) for grid in tables.values()]
        parts.append(f"<p>{escape(median_text(report, locale))}</p>")
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(locale)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{heading}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{chr(10).join(parts)}\n</main>\n</body>\n</html>\n"
    )

