"""The dispatcher's Slack sender: one content-free DM per notification.

The message holds the notification's catalogue text, in the recipient's language and time
zone, and buttons whose action id is an :class:`~vpbot.ui.actions.ActionId` and whose value
is the object reference token — nothing else (DESIGN.md C1). A click opens the object in a
modal through the flows (C2).

The outbox id travels in the message's ``metadata``, so after an unknown outcome (a timeout,
a worker that died mid-send) :meth:`SlackSender.already_sent` finds the message in the DM's
recent history instead of posting it twice. The sender's client never retries by itself:
the dispatcher owns retries, 429s included (see :mod:`plugins.slack.failures`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth.token_rotation import TokenRotator
from slack_sdk.web import SlackResponse

from plugins.slack import failures
from plugins.slack.bot_tokens import BotTokens, InstalledBotTokens, StaticBotToken
from plugins.slack.render import Renderer
from plugins.slack.stores import EncryptingInstallationStore
from vpbot.dispatch.ports import Delivery, RecipientGone, Sender, SendReceipt, TransientFailure
from vpbot.ui.notifications import actions, render_text

if TYPE_CHECKING:
    from vpbot.bootstrap import Container

log = logging.getLogger(__name__)

EVENT_TYPE = "vpbot_notification"
HISTORY_LIMIT = 20  # how far back already_sent looks in the DM
TIMEOUT_SECONDS = 10  # well inside the dispatcher's lease


class SlackSender(Sender):
    """Posts notifications as DMs from the app's bot user."""

    def __init__(self, tokens: BotTokens, api_url: str | None = None) -> None:
        self.tokens = tokens
        self.api_url = api_url or WebClient.BASE_URL

    # ------------------------------------------------------------------ the port

    def send(self, delivery: Delivery) -> SendReceipt:
        """Post ``delivery`` into the recipient's DM; raise the port's typed failures."""
        renderer = Renderer(delivery.locale, delivery.timezone)
        text = render_text(delivery.notification, delivery.locale, delivery.timezone)
        client = self._client(delivery)
        response = self._call(
            client,
            lambda: client.chat_postMessage(
                channel=delivery.recipient,
                text=text,
                blocks=renderer.chat(text, actions(delivery.notification)),
                metadata={"event_type": EVENT_TYPE, "event_payload": {"outbox_id": delivery.outbox_id}},
                unfurl_links=False,
                unfurl_media=False,
            ),
        )
        return SendReceipt(message_id=_message_id(response.get("channel"), response.get("ts")))

    def already_sent(self, delivery: Delivery) -> str | None:
        """The DM already holding this outbox id (``"<channel>:<ts>"``), else ``None``."""
        client = self._client(delivery)
        try:
            channel = self._call(client, lambda: client.conversations_open(users=delivery.recipient))
            channel_id = (channel.get("channel") or {}).get("id")
            if not channel_id:
                return None
            history = self._call(
                client,
                lambda: client.conversations_history(
                    channel=channel_id, limit=HISTORY_LIMIT, include_all_metadata=True
                ),
            )
        except TransientFailure as exc:
            if exc.reason_code.startswith("rejected_"):  # e.g. missing_scope: cannot tell
                log.info("outbox %s: cannot check the DM history (%s)", delivery.outbox_id, exc.reason_code)
                return None
            raise
        for message in history.get("messages") or []:
            if _outbox_id_of(message) == delivery.outbox_id:
                return _message_id(channel_id, message.get("ts"))
        return None

    # ------------------------------------------------------------------ helpers

    def _client(self, delivery: Delivery) -> WebClient:
        """A client with the tenant's (freshly rotated, if due) bot token."""
        try:
            token = self.tokens.token_for(delivery.tenant_id)
        except SlackTokenRotationError as exc:
            raise failures.failure_for(exc) from None
        except failures.NETWORK_ERRORS as exc:  # the rotation call did not get through
            raise failures.network_failure(exc) from None
        if not token:
            raise RecipientGone("no_installation", tenant_wide=True)
        # No retry handlers: a retried post could be a duplicate, and 429s are the dispatcher's.
        return WebClient(token=token, base_url=self.api_url, timeout=TIMEOUT_SECONDS, retry_handlers=[])

    def _call(self, client: WebClient, call: Callable[[], SlackResponse]) -> SlackResponse:
        """Run one Web API call, turning every failure into the port's typed failures."""
        try:
            return call()
        except SlackApiError as exc:
            if failures.error_code(exc) == failures.ACCOUNT_INACTIVE:
                raise failures.account_inactive(self._bot_still_valid(client)) from None
            raise failures.failure_for(exc) from None
        except failures.NETWORK_ERRORS as exc:
            raise failures.network_failure(exc) from None

    @staticmethod
    def _bot_still_valid(client: WebClient) -> bool:
        """Whether the bot's token still works (``account_inactive`` then means the user)."""
        try:
            client.auth_test()
        except SlackApiError as exc:  # only a refused token says so; a 429 or 5xx cannot tell
            return not failures.token_refused(exc)
        except failures.NETWORK_ERRORS:
            return True  # cannot tell: only this recipient is given up, not the tenant
        return True


def _message_id(channel: object, ts: object) -> str | None:
    if not isinstance(ts, str) or not ts:
        return None
    return f"{channel}:{ts}" if isinstance(channel, str) and channel else ts


def _outbox_id_of(message: Mapping[str, Any]) -> str | None:
    metadata = message.get("metadata")
    if not isinstance(metadata, Mapping) or metadata.get("event_type") != EVENT_TYPE:
        return None
    payload = metadata.get("event_payload")
    value = payload.get("outbox_id") if isinstance(payload, Mapping) else None
    return value if isinstance(value, str) else None


def build_slack_sender(container: Container) -> SlackSender:
    """The sender for the configured Slack mode (OAuth installations or ``SLACK_BOT_TOKEN``).

    In OAuth mode it gets its own installation store; rotation is serialised by the row lock
    in the database, so it is safe next to the Bolt app's store and other workers.
    """
    slack = container.settings.slack
    api_url = slack.api_url or WebClient.BASE_URL
    tokens: BotTokens
    if slack.oauth:
        assert slack.client_id and slack.client_secret
        rotator = TokenRotator(
            client_id=slack.client_id,
            client_secret=slack.client_secret,
            # No automatic retry: a repeated refresh could spend a single-use refresh token.
            client=WebClient(base_url=api_url, timeout=TIMEOUT_SECONDS, retry_handlers=[]),
        )
        tokens = InstalledBotTokens(EncryptingInstallationStore(container.uows, rotator=rotator))
    elif slack.bot_token:
        tokens = StaticBotToken(slack.bot_token)
    else:
        raise ValueError("Slack is not configured (SLACK_CLIENT_ID or SLACK_BOT_TOKEN)")
    return SlackSender(tokens, api_url)
