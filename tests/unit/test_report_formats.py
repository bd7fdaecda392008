"""The annual report's files: self-contained HTML that prints on A4, Markdown, and CSV that
opens in a (Dutch) spreadsheet — in Dutch by default and English on request."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest

from plugins.teams.render import CardRenderer
from tests.support.adaptive_cards import assert_valid_card
from tests.support.flows import assert_renders
from vpbot.domain.report import build_report
from vpbot.domain.report_model import AnnualReport, Counts, TableKey, exact_table
from vpbot.services.report import AdviserNumbers
from vpbot.ui.report import render
from vpbot.ui.report.charts import bar_chart
from vpbot.ui.report.spreadsheet import BOM
from vpbot.ui.views.admin_config import statistics_screen
from vpbot.ui.views.adviser_numbers import numbers_screen

VOID = {"meta", "rect", "br"}


def _report() -> AnnualReport:
    quarter = {
        "cases_by_adviser": {"internal": 3, "external": 12},
        "cases_by_category": {"bullying": 5, "workload": 10},
        "appointments": {"video": 9, "phone": 2},
        "threads": {"all": 3},
        "referrals_by_kind": {"hr": 2, "coach": 7},
        "checkins": {"good": 6},
        "first_appointment_days": {"3": 4, "8": 2},
    }
    return build_report(2026, {1: quarter, 2: quarter}, (1, 2))


class _Balanced(HTMLParser):
    """Checks that every element is closed, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, tag


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_html_is_self_contained_and_prints_on_a4(locale: str) -> None:
    page = render(_report(), "html", locale)
    assert page.startswith("<!DOCTYPE html>") and f'<html lang="{locale}">' in page
    parser = _Balanced()
    parser.feed(page)
    assert parser.open == []
    # No scripts, styles, fonts or images from anywhere else; the SVG namespace is a name.
    assert not re.search(r"<script|<link|<img|<iframe|src=|url\(|@import", page)
    assert set(re.findall(r"https?://[^\"' )]+", page)) == {"http://www.w3.org/2000/svg"}
    assert "@page { size: A4" in page and "break-inside: avoid" in page
    assert page.count("<svg") == 3  # per subject, cases per quarter, contacts per quarter
    heading = "Jaarverslag vertrouwenspersonen 2026" if locale == "nl" else "Annual report of the confidential advisers 2026"
    assert f"<h1>{heading}</h1>" in page
    assert "&lt;5" in page  # the small counts, escaped


def test_a_hidden_figure_gets_no_bar() -> None:
    svg = bar_chart("Per kwartaal", [("K1", "<5"), ("K2", "12"), ("K3", "0"), ("K4", "x")])
    assert svg.count("<rect") == 1  # only the 12: a bar's length would tell what "<5" hides
    assert ">&lt;5</text>" in svg and ">x</text>" in svg


def test_markdown_has_a_pipe_table_per_table() -> None:
    text = render(_report(), "md", "nl")
    assert text.startswith("# Jaarverslag vertrouwenspersonen 2026\n")
    assert "|  | K1 | K2 | Totaal |\n|---|---:|---:|---:|" in text
    assert "| **Totaal meldingen** | **15** | **15** | **30** |" in text
    assert text.count("\n## ") == 6


@pytest.mark.parametrize(("locale", "header"), [("nl", ["Tabel", "Rij", "Kolom", "Aantal"]),
                                                ("en", ["Table", "Row", "Column", "Number"])])
def test_csv_opens_in_a_spreadsheet(locale: str, header: list[str]) -> None:
    text = render(_report(), "csv", locale)
    assert text.startswith(BOM) and text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text[len(BOM):], newline=""), delimiter=";"))
    assert rows[0] == header and all(len(row) == 4 for row in rows)
    assert rows[-1][2:] == ["2026", "3"]  # the median, last


def test_unknown_format_or_language_is_refused() -> None:
    with pytest.raises(ValueError):
        render(_report(), "pdf")
    with pytest.raises(ValueError):
        render(_report(), "html", "de")


def test_the_report_screens_render_on_slack_and_teams() -> None:
    report = _report()
    own = exact_table(Counts(TableKey.OWN_CASES, ("opened",), ("q1", "q2", "q3", "q4"), {("opened", "q2"): 2}))
    screens = [
        statistics_screen(2026, [2026, 2025], report),
        numbers_screen(AdviserNumbers(2026, caseload=2, open_cases=1, checkins_due=3, per_quarter=own)),
    ]
    for screen in screens:
        slack = assert_renders(screen)
        assert len(slack["blocks"]) <= 100
        for locale in ("nl", "en"):
            assert_valid_card(CardRenderer(locale, "Europe/Amsterdam").dialog(screen)["card"]["content"])
    assert "Pesten: K1 5 · K2 5 · Totaal 10" in str(assert_renders(screens[0]))
