"""``vpbot report``: a tenant's annual report as a file, from the command line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support.history import History, make_history
from vpbot.cli import main
from vpbot.crypto.keyring import generate_entry

YEAR = 2025  # a year that is over, whatever today's date


@pytest.fixture
def history(engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch) -> History:
    monkeypatch.setenv("VPBOT_DATABASE_URL", db_url)
    # The report decrypts nothing: any master key will do.
    monkeypatch.setenv("VPBOT_MASTER_KEY", generate_entry("cli"))
    return make_history(engine, seed=11, year=YEAR, cases=10, external_id="T0CLI")


def test_csv_for_a_spreadsheet(history: History, tmp_path: Path) -> None:
    out = tmp_path / "jaarverslag.csv"
    assert main(["report", "--tenant", "T0CLI", "--year", str(YEAR), "--format", "csv", "-o", str(out)]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["Tabel", "Rij", "Kolom", "Aantal"]
    assert all(len(row) == 4 for row in rows)
    values = {row[3] for row in rows[1:-1]}
    assert values <= {"<5", "x", "niet getoond"} | {str(n) for n in range(1000)}
    assert ["Meldingen per kwartaal, naar soort vertrouwenspersoon", "Totaal meldingen", "Totaal", "10"] in rows
    text = raw.decode("utf-8")
    assert not [s for s in history.never_shown if s in text]


def test_html_and_markdown_in_either_language(history: History, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--tenant", history.tenant_id, "--year", str(YEAR)]) == 0
    html = capsys.readouterr().out
    assert html.startswith("<!DOCTYPE html>") and 'lang="nl"' in html and "Jaarverslag vertrouwenspersonen 2025" in html
    assert main(["report", "--tenant", "T0CLI", "--year", str(YEAR), "--format", "md", "--lang", "en"]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("# Annual report of the confidential advisers 2025")
    assert not [s for s in history.never_shown if s in html + markdown]


def test_unknown_tenant_or_year_is_one_clear_line(history: History, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--tenant", "T-NOPE", "--year", str(YEAR)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("vpbot: no tenant 'T-NOPE'") and err.count("\n") == 1
    with pytest.raises(SystemExit) as caught:
        main(["report", "--tenant", "T0CLI", "--year", "last"])
    assert caught.value.code == 2
