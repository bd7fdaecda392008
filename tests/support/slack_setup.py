"""Getting a Slack tenant ready to book, through vpbot's own modals: the admin appoints an
adviser, the adviser opens their week and says how they meet."""

from __future__ import annotations

from tests.support.slack_ui import SlackUser
from vpbot.ui.actions import ActionId
from vpbot.ui.views import admin as admin_views
from vpbot.ui.views import adviser as adviser_views
from vpbot.ui.views import adviser_settings

# Every day, most of it: whatever day the tests run, there are free times soon.
OPEN_DAY = "07:00-21:00"
VIDEO_LINK = "https://meet.example.org/vertrouwenspersoon"
PHONE = "+31 20 123 4567"


def appoint_adviser(admin: SlackUser, adviser_user: str, name: str = "") -> dict:
    """The admin appoints ``adviser_user`` with the user picker; the "appointed" modal."""
    assert admin.command("beheer")["callback_id"] == admin_views.PANEL
    assert admin.click(ActionId.ADMIN_ADVISERS)["callback_id"] == admin_views.ADVISERS
    assert admin.click(ActionId.ADMIN_ADVISER_ADD)["callback_id"] == admin_views.ADD_ADVISER
    admin.submit({"user": adviser_user, **({"name": name} if name else {})})
    assert admin.errors == {}, admin.errors
    assert admin.callback_id == admin_views.ADDED, admin.callback_id
    return admin.view


def open_week(adviser: SlackUser, *, notice_minutes: int = 60, slot_minutes: int = 45) -> None:
    """The adviser is available every day and can be booked ``notice_minutes`` ahead."""
    assert adviser.command("adviseur")["callback_id"] == adviser_views.PANEL
    assert adviser.click(ActionId.ADVISER_AVAILABILITY)["callback_id"] == adviser_settings.AVAILABILITY
    days = {field: OPEN_DAY for field in adviser_settings.DAY_FIELDS}
    adviser.submit({**days, "slot": str(slot_minutes), "buffer": "0", "notice": str(notice_minutes),
                    "horizon": "28"})
    assert adviser.errors == {}, adviser.errors
    assert adviser.callback_id == adviser_views.PANEL


def offer_modes(adviser: SlackUser, name: str, intro: str = "") -> None:
    """The adviser's public profile: name, languages, intro, and video and phone."""
    assert adviser.callback_id == adviser_views.PANEL
    assert adviser.click(ActionId.ADVISER_PROFILE)["callback_id"] == adviser_settings.PROFILE
    adviser.submit({"display_name": name, "kind": "internal", "languages": "nl, en", "intro": intro,
                    "video_link": VIDEO_LINK, "phone": PHONE})
    assert adviser.errors == {}, adviser.errors
    assert adviser.callback_id == adviser_views.PANEL
