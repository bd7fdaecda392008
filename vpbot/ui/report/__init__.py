"""The annual report as files: HTML (default), Markdown and CSV, in Dutch or English."""

from __future__ import annotations

from collections.abc import Callable

from vpbot.domain.report_model import AnnualReport
from vpbot.ui.i18n import SUPPORTED_LOCALES
from vpbot.ui.report.document import render_html
from vpbot.ui.report.markdown import render_markdown
from vpbot.ui.report.spreadsheet import render_csv

__all__ = ["FORMATS", "LOCALES", "render"]

FORMATS: dict[str, Callable[[AnnualReport, str], str]] = {
    "html": render_html,
    "md": render_markdown,
    "csv": render_csv,
}
LOCALES = SUPPORTED_LOCALES


def render(report: AnnualReport, fmt: str = "html", locale: str = "nl") -> str:
    """``report`` in format ``fmt`` (html, md, csv) and language ``locale`` (nl, en)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if locale not in LOCALES:
        raise ValueError(f"unknown language {locale!r}; choose one of {', '.join(LOCALES)}")
    return FORMATS[fmt](report, locale)
