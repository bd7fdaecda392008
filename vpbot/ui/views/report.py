"""The annual report's tables as screen blocks: one line per row, for Slack and Teams alike.

Used by the admin's figures and the adviser's own numbers, so both read the same model
(:mod:`vpbot.domain.report_model`) the same way as ``vpbot report`` does.
"""

from __future__ import annotations

from vpbot.domain.report_model import AnnualReport, Published, Row, Table
from vpbot.ui.report.labels import (
    TOTAL,
    column_key,
    columns_of,
    figure_text,
    figures_of,
    legend_params,
    row_key,
    table_note_key,
    table_title_key,
)
from vpbot.ui.screens import Block, Text
from vpbot.ui.text import Dynamic, Msg, Param

__all__ = ["MAX_CELLS", "report_blocks", "table_blocks"]

MAX_CELLS = 5  # four quarters and the year total: "report.line.1" .. "report.line.5"


def _figure(figure: Published, threshold: int) -> Param:
    return figure if isinstance(figure, int) else Dynamic(figure_text(figure, threshold))


def _line(table: Table, row: Row, threshold: int) -> Text:
    figures = [_figure(f, threshold) for f in figures_of(row)]
    cells: list[Param] = figures
    if table.per_quarter:  # "K1 <5 · K2 12 · Totaal 15"; a year table shows its one count
        cells = [
            Msg("report.cell", {"column": Msg(column_key(c)), "value": f})
            for c, f in zip(columns_of(table), figures, strict=True)
        ]
    params: dict[str, Param] = {"label": Msg(row_key(table, row.key))}
    params |= {f"c{n}": cell for n, cell in enumerate(cells, start=1)}
    return Text(f"report.line.{len(cells)}", params, muted=row.key == TOTAL)


def _legend(threshold: int) -> dict[str, Param]:
    return {k: v if isinstance(v, int) else Dynamic(v) for k, v in legend_params(threshold).items()}


def table_blocks(table: Table, threshold: int) -> list[Block]:
    """A heading, a line per row (totals last, muted) and the table's note, if any."""
    blocks: list[Block] = [Text(table_title_key(table))]
    if table.withheld:
        return [*blocks, Text("report.withheld", muted=True)]
    if not table.columns:
        return []
    blocks += [_line(table, row, threshold) for row in table.all_rows()]
    note = table_note_key(table)
    return blocks + ([Text(note, muted=True)] if note else [])


def report_blocks(report: AnnualReport) -> list[Block]:
    """The whole report: which quarters it covers, the legend, every table and the median."""
    if not report.quarters:
        return [Text("report.period.none", {"year": report.year})]
    blocks: list[Block] = [
        Text("report.period", {"year": report.year, "last": report.quarters[-1]}),
        Text("report.legend", _legend(report.threshold), muted=True),
    ]
    for table in report.tables:
        blocks += table_blocks(table, report.threshold)
    if report.median_days is None:
        blocks.append(Text("report.median.none", muted=True))
    else:
        blocks.append(Text("report.median", {"days": report.median_days}))
    return blocks
