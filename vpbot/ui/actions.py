"""Action ids shared by the core and both platform plugins.

A button click comes back from Slack / Teams as an action id plus the button's value. The
ids are constants here so the plugins route on one list, and so that a notification's
buttons (:func:`vpbot.ui.notifications.actions`) and a screen's buttons agree.
"""

from __future__ import annotations

import enum

__all__ = ["ActionId"]


class ActionId(enum.StrEnum):
    """Stable action ids; values are part of the wire contract with the platforms."""

    # Opening the app (from a notification or the App Home / chat card).
    OPEN_APP = "vpbot.open"
    OPEN_THREAD = "vpbot.thread.open"

    # Main menu.
    MENU_BOOK = "vpbot.menu.book"
    MENU_WRITE = "vpbot.menu.write"
    MENU_MINE = "vpbot.menu.mine"
    MENU_LANGUAGE = "vpbot.menu.language"
    MENU_HELP = "vpbot.menu.help"
    MENU_DATA = "vpbot.menu.data"

    # Aftercare check-in answers (attached to the checkin_due notification).
    CHECKIN_GOOD = "vpbot.checkin.good"
    CHECKIN_TALK = "vpbot.checkin.talk"
    CHECKIN_STOP = "vpbot.checkin.stop"

    # Appointments.
    APPOINTMENT_CANCEL = "vpbot.appointment.cancel"
    APPOINTMENT_RESCHEDULE = "vpbot.appointment.reschedule"
    SLOT_PICK = "vpbot.slot.pick"
    BOOK_SLOTS = "vpbot.booking.slots"  # value: an adviser id or "any"

    # Threads.
    THREAD_REPLY = "vpbot.thread.reply"
    THREAD_REVEAL = "vpbot.thread.reveal"

    # Referrals.
    REFERRAL_OPEN = "vpbot.referral.open"
    REFERRAL_WITHDRAW = "vpbot.referral.withdraw"

    # Data rights.
    DATA_DELETE = "vpbot.data.delete"

    # Panels (shown only to people with the role; the services check again).
    OPEN_ADVISER = "vpbot.panel.adviser"
    OPEN_ADMIN = "vpbot.panel.admin"

    # Adviser panel.
    ADVISER_OPEN_CASE = "vpbot.adviser.case.open"
    ADVISER_AVAILABILITY = "vpbot.adviser.availability"
    ADVISER_PROPOSE_REFERRAL = "vpbot.adviser.referral.propose"
    ADVISER_CLOSE_CASE = "vpbot.adviser.case.close"
    ADVISER_RECORD_DISCLOSURE = "vpbot.adviser.disclosure.record"
    ADVISER_HOME = "vpbot.adviser.home"
    ADVISER_OPEN_APPOINTMENT = "vpbot.adviser.appointment.open"
    ADVISER_CANCEL_APPOINTMENT = "vpbot.adviser.appointment.cancel"
    ADVISER_CLOSED_CASES = "vpbot.adviser.cases.closed"
    ADVISER_ADD_NOTE = "vpbot.adviser.note.add"
    ADVISER_CATEGORIES = "vpbot.adviser.case.categories"
    ADVISER_OPEN_THREAD = "vpbot.adviser.thread.open"
    ADVISER_REFERRAL_TEXT = "vpbot.adviser.referral.text"
    ADVISER_LEGAL_HOLD = "vpbot.adviser.case.hold"
    ADVISER_REOPEN_CASE = "vpbot.adviser.case.reopen"
    ADVISER_ABSENCES = "vpbot.adviser.absences"
    ADVISER_ABSENCE_ADD = "vpbot.adviser.absence.add"
    ADVISER_ABSENCE_REMOVE = "vpbot.adviser.absence.remove"
    ADVISER_PROFILE = "vpbot.adviser.profile"
    ADVISER_NUMBERS = "vpbot.adviser.numbers"

    # Admin panel.
    ADMIN_ADVISERS = "vpbot.admin.advisers"
    ADMIN_ADVISER_ADD = "vpbot.admin.adviser.add"
    ADMIN_ADVISER_REMOVE = "vpbot.admin.adviser.remove"
    ADMIN_DIRECTORY = "vpbot.admin.directory"
    ADMIN_DIRECTORY_ADD = "vpbot.admin.directory.add"
    ADMIN_SETTINGS = "vpbot.admin.settings"
    ADMIN_STATISTICS = "vpbot.admin.statistics"
    ADMIN_HOME = "vpbot.admin.home"
    ADMIN_MANAGER_FLAG = "vpbot.admin.manager_flag"
    ADMIN_DIRECTORY_EDIT = "vpbot.admin.directory.edit"
    ADMIN_DIRECTORY_REMOVE = "vpbot.admin.directory.remove"
