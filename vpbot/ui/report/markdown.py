"""The annual report as Markdown (``vpbot report --format md``): headings and pipe tables."""

from __future__ import annotations

from vpbot.domain.report_model import AnnualReport
from vpbot.ui.report.grid import Grid, grids, median_text, texts
from vpbot.ui.report.labels import legend

__all__ = ["render_markdown"]


def _cell(text: str) -> str:
    # Catalogue texts have no pipes; escape anyway so a table can never break.
    return text.replace("|", "\\|")


def _table(grid: Grid, locale: str) -> list[str]:
    lines = [f"## {grid.title}", ""]
    if grid.withheld:
        return [*lines, texts(locale, "report.withheld"), ""]
    lines.append("| " + " | ".join(["", *map(_cell, grid.headers)]) + " |")
    lines.append("|---" + "|---:" * len(grid.headers) + "|")
    for index, row in enumerate(grid.rows):
        cells = [_cell(c) for c in row]
        if grid.has_totals and index == len(grid.rows) - 1:
            cells = [f"**{c}**" for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    if grid.note:
        lines += [f"_{grid.note}_", ""]
    return lines


def render_markdown(report: AnnualReport, locale: str) -> str:
    """The report as a Markdown document in ``locale``."""
    lines = [f"# {texts(locale, 'report.heading', year=report.year)}", "", texts(locale, "report.intro"), ""]
    if not report.quarters:
        return "\n".join([*lines, texts(locale, "report.period.none", year=report.year), ""])
    lines += [texts(locale, "report.period", year=report.year, last=report.quarters[-1]), ""]
    lines += [legend(locale, report.threshold), ""]
    for grid in grids(report, locale):
        lines += _table(grid, locale)
    lines += [median_text(report, locale), ""]
    return "\n".join(lines)
