"""The dispatcher's Teams sender: one content-free card per notification, proactively.

The card holds the notification's catalogue text and buttons that open the object in a
dialog (``task/fetch`` with the object reference as value) — nothing else (DESIGN.md C1).
Connector failures become the dispatch port's typed failures:

=====================================  ==========================================
:mod:`plugins.teams.connector`         :mod:`vpbot.dispatch.ports`
=====================================  ==========================================
``RateLimited`` (429)                  ``RateLimited`` (``Retry-After`` or 5 s)
``Transient`` (5xx, network, token)    ``TransientFailure``
``RecipientGone`` (403/404, no ref)    ``RecipientGone`` (tenant-wide if the admin
                                       disabled the bot)
``SendRejected`` (other 4xx)           ``TransientFailure`` (ends as a dead letter
                                       after the dispatcher's attempts)
=====================================  ==========================================
"""

from __future__ import annotations

from plugins.teams import connector
from plugins.teams.chat_cards import notification_activity
from plugins.teams.connector import ProactiveMessenger
from vpbot.dispatch.ports import Delivery, RateLimited, RecipientGone, SendReceipt, Sender, TransientFailure

DEFAULT_RETRY_AFTER_SECONDS = 5.0


class TeamsSender(Sender):
    """Posts notifications into each person's 1:1 chat with the bot."""

    def __init__(self, messenger: ProactiveMessenger) -> None:
        self.messenger = messenger

    def send(self, delivery: Delivery) -> SendReceipt:
        """Post ``delivery``; raise the port's typed failures."""
        activity = notification_activity(delivery.notification, delivery.locale, delivery.timezone)
        try:
            sent = self.messenger.send_to_user(delivery.tenant_id, delivery.recipient, activity)
        except connector.RateLimited as exc:
            retry_after = exc.retry_after if exc.retry_after is not None else DEFAULT_RETRY_AFTER_SECONDS
            raise RateLimited(retry_after) from None
        except connector.RecipientGone as exc:
            raise RecipientGone(exc.code, tenant_wide=exc.tenant_wide) from None
        except connector.Transient as exc:
            raise TransientFailure(exc.code) from None
        except connector.SendRejected as exc:
            raise TransientFailure(f"rejected_{exc.code}") from None
        return SendReceipt(message_id=sent.activity_id)
