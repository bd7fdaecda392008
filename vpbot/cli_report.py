"""``vpbot report``: one tenant's anonymised annual report (jaarverslag), for the operator.

The operator has database access but no role in a tenant; the report holds anonymous
counts only — the same figures the tenant's admins see in their panel — and printing it
is recorded in the audit log.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from vpbot.services import report as reports
from vpbot.services.uow import UnitOfWorkFactory
from vpbot.ui.report import FORMATS, LOCALES, render

__all__ = ["ReportError", "add_report_parser", "run_report"]

MIN_YEAR, MAX_YEAR = 2000, 2999


class ReportError(Exception):
    """Something the operator must fix (unknown tenant, unreadable database, unwritable file)."""


def _year(text: str) -> int:
    if not text.isdigit() or not MIN_YEAR <= int(text) <= MAX_YEAR:
        raise argparse.ArgumentTypeError(f"a year such as 2026, not {text!r}")
    return int(text)


def add_report_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add ``report`` to the subcommands; the caller sets its ``func``."""
    parser = sub.add_parser(
        "report",
        help="write a tenant's anonymised annual report (jaarverslag)",
        description="Anonymous counts for one tenant and year: small counts shown as <5, others "
        "hidden (x) so that none can be worked out. Only quarters that are over are included.",
    )
    parser.add_argument("--tenant", required=True,
                        help="the Slack workspace or enterprise id, Teams tenant id, or vpbot's tenant id")
    parser.add_argument("--year", required=True, type=_year, help="calendar year, e.g. 2026")
    parser.add_argument("--format", choices=tuple(FORMATS), default="html", help="html (default), md or csv")
    parser.add_argument("--lang", choices=LOCALES, default="nl", help="nl (default) or en")
    parser.add_argument("-o", "--output", help="write to this file (default: standard output)")
    return parser


def run_report(uows: UnitOfWorkFactory, args: argparse.Namespace, stdout: TextIO) -> str | None:
    """Build, render and write the report; the path written, or ``None`` for ``stdout``."""
    try:
        with uows() as uow:
            found = reports.find_tenants(uow, args.tenant)
            if not found:
                raise ReportError(
                    f"no tenant {args.tenant!r}: give a workspace or tenant id that has vpbot installed"
                )
            if len(found) > 1:
                raise ReportError(
                    f"{args.tenant!r} names {len(found)} tenants; give vpbot's tenant id: {', '.join(found)}"
                )
            report = reports.tenant_report(uow, found[0], args.year)
            reports.record_printed(uow, found[0], args.year)
            uow.commit()
    except SQLAlchemyError as exc:
        raise ReportError(f"cannot read the database: {type(exc).__name__}") from None
    document = render(report, args.format, args.lang)
    if not args.output:
        stdout.write(document)
        return None
    try:
        # newline="": the CSV carries its own CRLF line ends.
        Path(args.output).write_text(document, encoding="utf-8", newline="")
    except OSError as exc:
        raise ReportError(f"cannot write {args.output}: {exc.strerror}") from None
    return args.output
