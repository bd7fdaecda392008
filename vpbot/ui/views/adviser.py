"""The adviser's panel and appointment screens.

Lists show times, case references and pseudonyms only — never who an employee is, never
content. The employee's name and note appear only in the appointment or case screen the
adviser opened by a click (C2).
"""

from __future__ import annotations

from collections.abc import Sequence

from vpbot.services.booking import AdviserAppointment, AppointmentDetail
from vpbot.services.cases import CaseSummary
from vpbot.ui.actions import ActionId
from vpbot.ui.screens import Block, Button, Buttons, ButtonStyle, Divider, Screen, Text
from vpbot.ui.text import Dynamic, Msg, Param, When, WhenStyle
from vpbot.ui.views.panel_parts import capped, dynamic_blocks, list_end, menu_button, notice_blocks

__all__ = [
    "APPOINTMENT",
    "CANCEL",
    "CANCELLED",
    "CLOSED_CASES",
    "PANEL",
    "adviser_panel",
    "appointment_screen",
    "cancel_screen",
    "cancelled_screen",
    "case_ref",
    "closed_cases_screen",
    "employee_line",
    "panel_button",
]

PANEL = "vpbot.adviser.panel"
APPOINTMENT = "vpbot.adviser.appointment"
CANCEL = "vpbot.adviser.appointment.cancel.confirm"
CANCELLED = "vpbot.adviser.appointment.cancelled"
CLOSED_CASES = "vpbot.adviser.cases.closed.list"

MAX_APPOINTMENTS = 10
MAX_CASES = 20
MAX_CLOSED_CASES = 40


def case_ref(reference: str, pseudonym: str) -> Msg:
    """How a case is named wherever an adviser sees it: "VP-7K3Q (Merel 42)"."""
    return Msg("adviser.ref", {"ref": Dynamic(reference), "pseudonym": Dynamic(pseudonym)})


def panel_button() -> Button:
    """Back to the adviser's panel."""
    return Button(ActionId.ADVISER_HOME, "button.adviser.panel")


def employee_line(employee_known: bool, name: str | None, pseudonym: str) -> Text:
    """Who the employee is, as far as the adviser may know (anonymous until revealed)."""
    if not employee_known:
        return Text("adviser.employee.anonymous", {"pseudonym": Dynamic(pseudonym)})
    if name:
        return Text("adviser.employee.named", {"name": Dynamic(name)})
    return Text("adviser.employee.unnamed")


def _appointment_lines(appointments: Sequence[AdviserAppointment]) -> list[Block]:
    shown, hidden = capped(appointments, MAX_APPOINTMENTS)
    blocks: list[Block] = [Text("adviser.appointments.heading")]
    for item in shown:
        line: dict[str, Param] = {
            "when": When(item.starts_at),
            "mode": Msg(f"mode.{item.mode}"),
            "ref": case_ref(item.case_reference, item.pseudonym),
        }
        blocks += [
            Text("adviser.appointment.line", line),
            Buttons(
                (
                    Button(
                        ActionId.ADVISER_OPEN_APPOINTMENT,
                        "button.adviser.open_appointment",
                        value=item.appointment_id,
                    ),
                )
            ),
        ]
    blocks += list_end(len(shown), hidden, "adviser.appointments.none")
    return blocks


def _case_lines(cases: Sequence[CaseSummary], limit: int, none_key: str) -> list[Block]:
    shown, hidden = capped(cases, limit)
    blocks: list[Block] = []
    for case in shown:
        upcoming = (
            When(case.next_appointment_at) if case.next_appointment_at else Msg("adviser.case.next.none")
        )
        blocks += [
            Text(
                "adviser.case.summary",
                {
                    "ref": case_ref(case.reference, case.pseudonym),
                    "status": Msg(f"case.status.{case.status}"),
                    "unread": case.unread_messages,
                    "next": upcoming,
                },
            ),
            Buttons((Button(ActionId.ADVISER_OPEN_CASE, "button.adviser.open_case", value=case.id),)),
        ]
    return blocks + list_end(len(shown), hidden, none_key)


def adviser_panel(
    appointments: Sequence[AdviserAppointment],
    open_cases: Sequence[CaseSummary],
    notice: Msg | None = None,
) -> Screen:
    """The adviser's day: upcoming appointments and open cases, each with an "open" button."""
    blocks: list[Block] = [*notice_blocks(notice), Text("adviser.intro", muted=True)]
    blocks += _appointment_lines(appointments)
    blocks += [Divider(), Text("adviser.cases.heading")]
    blocks += _case_lines(open_cases, MAX_CASES, "adviser.cases.none")
    blocks += [
        Divider(),
        Buttons(
            (
                Button(ActionId.ADVISER_AVAILABILITY, "button.adviser.availability"),
                Button(ActionId.ADVISER_ABSENCES, "button.adviser.absences"),
                Button(ActionId.ADVISER_PROFILE, "button.adviser.profile"),
                Button(ActionId.ADVISER_CLOSED_CASES, "button.adviser.closed_cases"),
                Button(ActionId.ADVISER_NUMBERS, "button.adviser.numbers"),
            )
        ),
        Buttons((menu_button(),)),
    ]
    return Screen(PANEL, "adviser.title", tuple(blocks), close_key="modal.close")


def closed_cases_screen(closed: Sequence[CaseSummary]) -> Screen:
    """Closed cases (still within retention), to reopen one or read it back."""
    blocks: list[Block] = [Text("adviser.closed_cases.intro", muted=True)]
    blocks += _case_lines(closed, MAX_CLOSED_CASES, "adviser.closed_cases.none")
    blocks.append(Buttons((panel_button(),)))
    return Screen(CLOSED_CASES, "adviser.closed_cases.title", tuple(blocks), close_key="modal.close")


def appointment_screen(detail: AppointmentDetail, employee_name: str | None, *, can_cancel: bool) -> Screen:
    """One appointment, opened by its adviser: when, how, who (if known) and the note."""
    blocks: list[Block] = [
        Text(
            "adviser.appointment.when",
            {"when": When(detail.starts_at), "end": When(detail.ends_at, WhenStyle.TIME)},
        ),
        Text("adviser.appointment.mode", {"mode": Msg(f"mode.{detail.mode}")}),
        Text("case.ref", {"ref": case_ref(detail.case_reference, detail.pseudonym)}),
        employee_line(detail.employee_person_id is not None, employee_name, detail.pseudonym),
    ]
    if detail.category:
        blocks.append(Text("adviser.appointment.category", {"category": Msg(f"category.{detail.category}")}))
    if detail.status != "booked":
        blocks.append(Text("adviser.appointment.cancelled_status", muted=True))
    blocks += [Divider(), Text("adviser.appointment.note.heading")]
    if detail.note:
        blocks += dynamic_blocks(detail.note)
    else:
        blocks.append(Text("adviser.appointment.note.none", muted=True))
    buttons = [Button(ActionId.ADVISER_OPEN_CASE, "button.adviser.open_case", value=detail.case_id)]
    if can_cancel:
        buttons.append(
            Button(
                ActionId.ADVISER_CANCEL_APPOINTMENT,
                "button.appointment.cancel",
                value=detail.appointment_id,
                style=ButtonStyle.DANGER,
            )
        )
    blocks += [Divider(), Buttons(tuple(buttons)), Buttons((panel_button(),))]
    return Screen(APPOINTMENT, "adviser.appointment.title", tuple(blocks), close_key="modal.close")


def cancel_screen(appointment_id: str, starts_at: When) -> Screen:
    """Confirm cancelling an appointment (the employee is told, without content)."""
    return Screen(
        CANCEL,
        "booking.cancel.title",
        (Text("adviser.appointment.cancel.body", {"when": starts_at}), Buttons((panel_button(),))),
        submit_key="modal.cancel_appointment",
        close_key="modal.close",
        private_metadata={"appointment": appointment_id},
    )


def cancelled_screen() -> Screen:
    """The appointment is cancelled."""
    return Screen(
        CANCELLED,
        "booking.cancel.title",
        (Text("adviser.appointment.cancel.done"), Buttons((panel_button(), menu_button()))),
        close_key="modal.close",
    )
