"""``POST /api/messages``: the Teams messaging endpoint, as a Starlette route.

vpbot serves Teams with its own small route rather than the SDK's ``App``/``HttpServer``:
the SDK answers 500 to activity types it does not know and to any handler error, logs whole
activities at DEBUG, reads ``CLIENT_ID``/``DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS`` from
the environment, brings its own FastAPI server, and does not check key endorsements.

Per request, in this order:

1. no Teams configuration, or no ``Authorization: Bearer`` header → 401 (body not read);
2. a content type other than ``application/json`` → 415;
3. a body over 1 MB → 413 (reading stops at the limit);
4. not a JSON object with a string ``type`` → 400;
5. the token fails :mod:`plugins.teams.auth` → 401; nothing is handed on;
6. the handler ``handle(activity, claims)`` runs in the thread pool (services are blocking).

Answers: 200 for every non-invoke activity, whatever the handler did (also for types vpbot
does not know); for invokes the handler's ``{"status", "body"}``, 501 when it returned
``None`` (not handled), and a 500-free error response when it raised (see
:mod:`plugins.teams.invokes`). Logs carry the activity type and reason codes only — never
the token, the body, or the exception's message.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from plugins.teams import invokes
from plugins.teams.auth import ActivityTokenValidator, AuthError, AuthFailure, TeamsClaims, bearer_token
from plugins.teams.cloud import cloud_environment
from vpbot.bootstrap import Container

log = logging.getLogger(__name__)

PATH = "/api/messages"
MAX_BODY_BYTES = 1024 * 1024

ActivityHandler = Callable[[dict[str, Any], TeamsClaims], Mapping[str, Any] | None]
"""Handles one authenticated activity; returns ``{"status", "body"}`` for invokes."""

_UNSAFE = re.compile(r"[^A-Za-z0-9/_.-]")


class _Handled(NamedTuple):
    """What the handler returned, or the exception it raised."""

    result: Mapping[str, Any] | None
    error: Exception | None = None


class _Reject(Exception):
    """Stop processing and answer ``status`` with a fixed, content-free body."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


def teams_routes(
    container: Container,
    handler: ActivityHandler,
    *,
    validator: ActivityTokenValidator | None = None,
    max_body: int = MAX_BODY_BYTES,
) -> list[Route]:
    """The Teams routes for ``create_app(container, extra_routes=…)``."""
    if validator is None and container.settings.teams.configured:
        teams = container.settings.teams
        assert teams.app_id is not None
        validator = ActivityTokenValidator.for_cloud(teams.app_id, cloud_environment(teams))
    if validator is None:
        log.warning("teams: not configured; %s will answer 401 to every request", PATH)
    endpoint = MessagesEndpoint(validator, handler, max_body=max_body)
    return [endpoint.route()]


class MessagesEndpoint:
    """The ASGI request handler behind ``POST /api/messages``."""

    def __init__(
        self, validator: ActivityTokenValidator | None, handler: ActivityHandler, *, max_body: int = MAX_BODY_BYTES
    ) -> None:
        self.validator = validator
        self.handler = handler
        self.max_body = max_body

    def route(self) -> Route:
        """This endpoint as ``POST /api/messages``."""
        return Route(PATH, self.handle, methods=["POST"], name="teams_messages")

    async def handle(self, request: Request) -> Response:
        """Answer one request (never with a 500)."""
        try:
            validator, authorization, activity = await self._read_request(request)
            # Token check and handler in one trip to the thread pool: each trip costs a thread
            # wake-up and an event-loop wake-up, which under load cost more than the check.
            handled = await run_in_threadpool(self._authenticate_and_handle, validator, authorization, activity)
        except _Reject as reject:
            return JSONResponse({"error": reject.error}, status_code=reject.status)
        return self._respond(activity, handled)

    # ------------------------------------------------------------------ checks

    async def _read_request(self, request: Request) -> tuple[ActivityTokenValidator, str, dict[str, Any]]:
        """Steps 1-4: the validator, the ``Authorization`` header (not yet checked) and the
        parsed activity."""
        authorization = request.headers.get("authorization")
        validator = self.validator
        if validator is None:
            raise self._unauthorized(AuthFailure.NOT_CONFIGURED, "-")
        try:
            bearer_token(authorization)
        except AuthError as exc:
            raise self._unauthorized(exc.reason, "-") from None
        assert authorization is not None  # bearer_token refused a missing header
        if _media_type(request.headers.get("content-type")) != "application/json":
            raise _Reject(415, "unsupported_media_type")
        return validator, authorization, _parse(await self._read_body(request))

    def _authenticate_and_handle(
        self, validator: ActivityTokenValidator, authorization: str, activity: dict[str, Any]
    ) -> _Handled:
        """Steps 5-6, in a worker thread: the token, then the handler (its failure is kept)."""
        try:
            claims = validator.validate(authorization, activity)
        except AuthError as exc:
            raise self._unauthorized(exc.reason, _kind(activity)) from None
        except Exception as exc:  # a bug must still not let the request in, nor answer 500
            log.error("teams: token check failed unexpectedly (%s)", type(exc).__name__)
            raise _Reject(401, "unauthorized") from None
        try:
            return _Handled(self.handler(activity, claims))
        except Exception as exc:
            return _Handled(None, exc)

    @staticmethod
    def _unauthorized(reason: AuthFailure, kind: str) -> _Reject:
        log.warning("teams: rejected %s activity (%s)", kind, reason.value)
        return _Reject(401, "unauthorized")

    async def _read_body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                raise _Reject(400, "bad_request")
            if int(declared) > self.max_body:
                raise _Reject(413, "payload_too_large")
        body = bytearray()
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > self.max_body:
                    raise _Reject(413, "payload_too_large")
        except ClientDisconnect:
            raise _Reject(400, "bad_request") from None
        return bytes(body)

    # ------------------------------------------------------------------ answer

    @staticmethod
    def _respond(activity: dict[str, Any], handled: _Handled) -> Response:
        is_invoke = activity["type"] == "invoke"
        if handled.error is not None:
            _log_failure(activity, handled.error)
            if is_invoke:
                return _invoke_response(invokes.failure(_invoke_name(activity), _locale(activity)))
            return Response(status_code=200)
        if not is_invoke:
            return Response(status_code=200)
        if handled.result is None:
            return _invoke_response(invokes.not_implemented())
        response = invokes.from_handler(handled.result)
        if response is None:
            log.error("teams: handler gave a malformed invoke response for %s", _invoke_name_safe(activity))
            response = invokes.failure(_invoke_name(activity), _locale(activity))
        return _invoke_response(response, activity)


def _invoke_response(response: invokes.InvokeResponse, activity: Mapping[str, Any] | None = None) -> Response:
    if response.body is None:
        return Response(status_code=response.status)
    try:
        return JSONResponse(response.body, status_code=response.status)
    except (TypeError, ValueError) as exc:  # a body that is not JSON-serialisable
        log.error("teams: invoke response body not serialisable (%s)", type(exc).__name__)
        name = _invoke_name(activity) if activity is not None else None
        fallback = invokes.failure(name, _locale(activity) if activity is not None else None)
        return JSONResponse(fallback.body, status_code=fallback.status)


def _log_failure(activity: Mapping[str, Any], exc: Exception) -> None:
    # The stack (files, lines, code) helps; the exception's message may carry content: omit it.
    stack = "".join(traceback.format_tb(exc.__traceback__))
    log.error(
        "teams: handler failed on %s activity %s (%s)\n%s",
        _kind(activity), _invoke_name_safe(activity), type(exc).__name__, stack,
    )


# --------------------------------------------------------------------------- helpers


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _parse(body: bytes) -> dict[str, Any]:
    try:
        activity = json.loads(body)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise _Reject(400, "bad_request") from None
    if not isinstance(activity, dict):
        raise _Reject(400, "bad_request")
    kind = activity.get("type")
    if not isinstance(kind, str) or not kind.strip():
        raise _Reject(400, "bad_request")
    return activity


def _kind(activity: Mapping[str, Any]) -> str:
    return _UNSAFE.sub("", str(activity.get("type", "")))[:40] or "-"


def _invoke_name(activity: Mapping[str, Any]) -> str | None:
    name = activity.get("name")
    return name if isinstance(name, str) else None


def _invoke_name_safe(activity: Mapping[str, Any]) -> str:
    return _UNSAFE.sub("", _invoke_name(activity) or "")[:60]


def _locale(activity: Mapping[str, Any]) -> str | None:
    locale = activity.get("locale")
    return locale if isinstance(locale, str) else None
