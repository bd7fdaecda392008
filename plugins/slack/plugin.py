"""The Slack plugin: a Bolt ``App`` behind vpbot's gate, mounted in ``vpbot serve``.

Bolt's sync ``App`` runs its dispatch in a thread pool (its Starlette adapter would call it
inline and block the event loop). Every request first passes :class:`SlackGate`: forged,
stale and replayed requests get 401, malformed ones 400 — never Bolt's 500.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.error import BoltError
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.token_rotation import TokenRotator
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from plugins.slack.context import tenant_external_id
from plugins.slack.executor import listener_executor
from plugins.slack.gate import FORM, MAX_BODY_BYTES, Rejection, ReplayGuard, SlackGate
from plugins.slack.manifest import BOT_SCOPES
from plugins.slack.stores import DatabaseOAuthStateStore, EncryptingInstallationStore
from vpbot.domain.errors import DomainError
from vpbot.logs import redact
from vpbot.services.dedupe import remember_once
from vpbot.services.uow import UnitOfWorkFactory
from vpbot.settings import SlackSettings
from vpbot.ui.errors import error_text

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
EVENTS_PATH = "/slack/events"


class SlackSetupError(Exception):
    """Slack is configured but cannot start (e.g. the bot token was refused)."""


@dataclass
class SlackPlugin:
    """The Bolt app, its gate and stores."""

    app: App
    gate: SlackGate | None
    installation_store: EncryptingInstallationStore | None

    def start_socket_mode(self, app_token: str) -> SocketModeHandler:
        """Connect to Slack over Socket Mode (no public URL needed); returns the handler.

        Requests then arrive over the WebSocket instead of HTTP; Slack authenticates the
        connection with the app-level token, so the HTTP gate's signature check does not
        apply. Event de-duplication and everything else stays the same.
        """
        handler = SocketModeHandler(self.app, app_token=app_token)
        handler.connect()
        log.info("slack: connected in Socket Mode")
        return handler

    def routes(self) -> list[BaseRoute]:
        """Starlette routes for the HTTP endpoints.

        Without a signing secret (Socket Mode only) nothing is exposed over HTTP: requests
        could not be verified.
        """
        routes: list[BaseRoute] = []
        if self.gate is not None:
            routes.append(Route(EVENTS_PATH, self.events, methods=["POST"]))
        if self.app.oauth_flow is not None:
            routes += [
                Route(INSTALL_PATH, self.install, methods=["GET"]),
                Route(REDIRECT_PATH, self.oauth_redirect, methods=["GET"]),
            ]
        return routes

    async def events(self, request: Request) -> Response:
        """``POST /slack/events``: commands, interactivity and events."""
        body = await _read_limited(request)
        if body is None:
            return JSONResponse({"error": "body_too_large"}, status_code=413)
        headers = {k.lower(): v for k, v in request.headers.items()}
        # The gate (a database write) and Bolt both block: one trip to the thread pool for both.
        outcome = await run_in_threadpool(self._check_and_dispatch, body, dict(request.query_params), headers)
        if outcome == UNAVAILABLE:
            return _unavailable(body, headers.get("content-type", ""))
        if isinstance(outcome, Rejection):
            log.info("slack request refused: %s (%s)", outcome.status, outcome.reason)
            return JSONResponse({"error": outcome.reason}, status_code=outcome.status)
        return _to_starlette(outcome)

    def _check_and_dispatch(
        self, body: bytes, query: dict[str, str], headers: dict[str, str]
    ) -> BoltResponse | Rejection:
        """The gate's checks, then Bolt's dispatch; a :class:`Rejection` for a refused request,
        :data:`UNAVAILABLE` when the replay guard's database cannot be reached."""
        assert self.gate is not None  # the route exists only with a gate
        try:
            rejection = self.gate.check(body, headers)
        except DomainError as error:  # service.unavailable: the database is down
            log.warning("slack: request not handled, the database is unavailable (%s)", error.key)
            return UNAVAILABLE
        if rejection is not None:
            return rejection
        try:
            bolt_request = BoltRequest(body=body.decode("utf-8"), query=query, headers=headers)
        except Exception as exc:  # Bolt reads envelope fields (authorizations, team, …) unchecked
            log.debug("slack: Bolt could not read the envelope (%s)", type(exc).__name__)
            return Rejection(400, "malformed_payload")
        if not _names_a_workspace(bolt_request):
            return Rejection(400, "missing_team")
        return self.app.dispatch(bolt_request)

    async def install(self, request: Request) -> Response:
        """``GET /slack/install``: the "Add to Slack" page (state issued and stored)."""
        assert self.app.oauth_flow is not None
        bolt_request = BoltRequest(body="", query=dict(request.query_params), headers=dict(request.headers))
        return _to_starlette(await run_in_threadpool(self.app.oauth_flow.handle_installation, bolt_request))

    async def oauth_redirect(self, request: Request) -> Response:
        """``GET /slack/oauth_redirect``: exchanges the code and stores the installation."""
        assert self.app.oauth_flow is not None
        bolt_request = BoltRequest(body="", query=dict(request.query_params), headers=dict(request.headers))
        return _to_starlette(await run_in_threadpool(self.app.oauth_flow.handle_callback, bolt_request))


_NO_WORKSPACE_TYPES = frozenset({"url_verification", "app_rate_limited"})
# The request was authentic, but could not be checked for a replay: the database is down.
UNAVAILABLE = Rejection(503, "service_unavailable")


def _unavailable(body: bytes, content_type: str) -> Response:
    """The database is down. A slash command gets a calm message in the person's chat (only
    they see it); anything else a 503, so that Slack retries events and shows its own error
    for a click. Nothing was changed."""
    is_form = content_type.split(";")[0].strip().lower() == FORM
    if is_form and "command" in parse_qs(body.decode("utf-8", "replace")):
        text = f"{error_text('service.unavailable', 'nl')} / {error_text('service.unavailable', 'en')}"
        return JSONResponse({"response_type": "ephemeral", "text": text}, status_code=200)
    return JSONResponse({"error": "service_unavailable"}, status_code=503)


def _names_a_workspace(request: BoltRequest) -> bool:
    """Whether Bolt found the workspace (or org) the request is for, as the listeners need it.

    Slack always says; a request that does not (or names it with something other than a
    string) is malformed. Slack's own checks (``ssl_check``, URL verification) name none.
    """
    body = request.body
    if body.get("ssl_check") == "1" or body.get("type") in _NO_WORKSPACE_TYPES:
        return True
    external = tenant_external_id(request.context)
    return isinstance(external, str) and bool(external)


async def _read_limited(request: Request) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _to_starlette(response: BoltResponse) -> Response:
    status = response.status
    if status >= 500:
        # A listener failed before ack(): Slack shows its own error. The person sees a
        # neutral message instead; the cause is in our (content-free) log.
        return JSONResponse(
            {"response_type": "ephemeral", "text": "Er ging iets mis. Probeer het zo nog eens. / Something went wrong. Please try again."},
            status_code=200,
        )
    headers = response.first_headers_without_set_cookie()
    out = Response(status_code=status, content=response.body, headers=headers)
    for cookie in response.cookies():
        for name, morsel in cookie.items():
            # Keep Expires: Bolt deletes the state cookie with an Expires in the past.
            out.set_cookie(key=name, value=morsel.value, max_age=morsel.get("max-age") or None,
                           expires=morsel.get("expires") or None,
                           path=morsel.get("path") or "/", secure=True, httponly=True)
    return out


def _bolt_logger() -> logging.Logger:
    """Bolt's framework logger, capped like the ``slack_bolt`` logger (DESIGN.md C6).

    Without a logger of its own, Bolt sets every logger it creates to the *root* level, so
    at ``VPBOT_LOG_LEVEL=DEBUG`` it logged whole response bodies — modals with notes and
    messages. Its loggers copy this one's level instead.
    """
    logger = logging.getLogger("slack_bolt.App")
    logger.setLevel(logging.getLogger("slack_bolt").getEffectiveLevel())
    return logger


def build_slack_plugin(settings: SlackSettings, uows: UnitOfWorkFactory) -> SlackPlugin:
    """Build the Bolt app for the configured mode: OAuth, single workspace, or Socket Mode."""
    # In single-workspace mode the client carries the bot token; with OAuth, Bolt sets the
    # installation's token per request.
    client = WebClient(token=None if settings.oauth else settings.bot_token, base_url=settings.api_url or WebClient.BASE_URL)
    common: dict[str, Any] = dict(
        client=client,
        listener_executor=listener_executor(),
        raise_error_for_unhandled_request=False,
        # vpbot's gate verifies in front of Bolt (and Socket Mode needs no signature).
        request_verification_enabled=False,
        logger=_bolt_logger(),
    )
    store: EncryptingInstallationStore | None = None
    try:
        if settings.oauth:
            assert settings.client_id and settings.client_secret
            rotator = TokenRotator(client_id=settings.client_id, client_secret=settings.client_secret, client=client)
            store = EncryptingInstallationStore(uows, rotator=rotator)
            app = App(
                signing_secret=settings.signing_secret,
                installation_store=store,
                oauth_settings=OAuthSettings(
                    client_id=settings.client_id,
                    client_secret=settings.client_secret,
                    scopes=list(BOT_SCOPES),
                    user_scopes=[],
                    installation_store=store,
                    state_store=DatabaseOAuthStateStore(uows),
                    install_path=INSTALL_PATH,
                    redirect_uri_path=REDIRECT_PATH,
                ),
                **common,
            )
        else:
            app = App(signing_secret=settings.signing_secret, **common)
    except (BoltError, SlackApiError) as exc:
        reason = exc.response.get("error") if isinstance(exc, SlackApiError) else redact(str(exc))
        raise SlackSetupError(f"Slack refused the configured credentials ({reason}); check SLACK_BOT_TOKEN") from None
    gate = None
    if settings.signing_secret:
        gate = SlackGate(settings.signing_secret, ReplayGuard(lambda key: remember_once(uows, key)))
    from plugins.slack.handlers import register

    register(app, uows, store)
    return SlackPlugin(app=app, gate=gate, installation_store=store)

