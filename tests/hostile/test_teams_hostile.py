"""Hostile input into ``POST /api/messages`` of a running ``vpbot serve``.

Activities without a valid Bot Framework token — none, garbage, ``alg: none``, HS256 with
the public key, an unpublished key, wrong audience/issuer/service URL, expired — get a
4xx and change nothing: no row, no call to the Bot Connector or Entra. Activities *with* a
valid token but junk inside (wrong types, missing keys, huge strings, nested junk, invokes
with junk data, dialog submits with a tampered screen) get a calm 2xx/4xx/501, never a 500;
no handler crashes, and the server keeps answering.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile.conftest import Probe, hostile, snapshot
from tests.hostile.strategies import (
    authorization_headers,
    bad_tokens,
    content_types,
    junk,
    nesting,
    teams_activity,
    teams_base,
    text,
    to_json,
)
from tests.support.adaptive_cards import submit_actions
from tests.support.both_platforms import BothPlatforms
from tests.support.teams_fakes import mint_token
from vpbot.ui.actions import ActionId

SHARE_UNAUTHENTICATED = 0.2
SHARE_JUNK = 0.22
SHARE_TAMPERED = 0.08
LIMIT = 1024 * 1024
AUTHENTICATED = {200, 400, 401, 501}  # 401 only when the junk names another channel


def _post(world: BothPlatforms, body: bytes, headers: dict[str, str]) -> Callable[[httpx.Client], httpx.Response]:
    return lambda http: http.post(world.teams.url, content=body, headers=headers)


def _bearer(token: str) -> dict[str, str]:
    return {"content-type": "application/json", "authorization": f"Bearer {token}"}


def _check_answer(response: httpx.Response) -> None:
    """A calm answer: an expected status, and an invoke body that is JSON (or empty)."""
    assert response.status_code in AUTHENTICATED, response.status_code
    if response.content:
        json.loads(response.content)


@pytest.fixture(scope="module")
def forms(world: BothPlatforms) -> list[dict[str, Any]]:
    """The submit data of real dialogs (the write and booking forms), to tamper with."""
    found: list[dict[str, Any]] = []
    world.teams.send(type="installationUpdate", action="add", text=None)
    for action in (ActionId.MENU_WRITE, ActionId.MENU_BOOK, ActionId.MENU_LANGUAGE, ActionId.MENU_DATA):
        response = world.teams.invoke("task/fetch", {"data": {"vpbot": {"action": action}}})
        assert response.status_code == 200, response.text
        task = response.json()["task"]
        if task.get("type") == "continue":
            found += [dict(a["data"]) for a in submit_actions(task["value"]["card"]["content"])]
    assert any(d.get("vpbot", {}).get("submit") for d in found), "no submit button to tamper with"
    return found


# --------------------------------------------------------------------------- unauthenticated


@st.composite
def unauthenticated(draw: st.DrawFn, service_url: str, forms: list[dict[str, Any]]) -> tuple[bytes, dict[str, str]]:
    """A request that must not get in: junk body and/or a token that does not validate."""
    activity = draw(teams_activity(service_url, forms))
    body = draw(st.one_of(st.just(to_json(activity)), st.just(to_json(activity)), junk.map(to_json), nesting, text))
    token = draw(bad_tokens(service_url))
    headers = {"content-type": draw(st.one_of(st.just("application/json"), st.just("application/json"), content_types))}
    how = draw(st.sampled_from(["token", "token", "token", "none", "scheme"]))
    if how != "none":
        headers["authorization"] = draw(authorization_headers).format(t=token) if how == "scheme" else f"Bearer {token}"
    return body.encode("utf-8", "surrogatepass"), headers


def test_activities_without_a_valid_token_change_nothing(
    world: BothPlatforms, forms: list[dict[str, Any]], probe: Callable[[float], Probe]
) -> None:
    fetches_before = world.openid.key_fetches()
    started = time.monotonic()
    rows_before, calls_before = snapshot(world)
    running = probe(SHARE_UNAUTHENTICATED)

    @hostile(SHARE_UNAUTHENTICATED)
    @given(request=unauthenticated(world.teams.service_url, forms))
    def attack(request: tuple[bytes, dict[str, str]]) -> None:
        if running.out_of_time():
            return
        body, headers = request
        response = running.send(_post(world, body, headers))
        assert response.status_code in (400, 401, 413, 415), response.status_code
        assert response.json()["error"] in ("unauthorized", "bad_request", "payload_too_large", "unsupported_media_type")

    attack()
    rows_after, calls_after = snapshot(world)
    assert rows_after == rows_before, "unauthenticated input changed the database"
    assert calls_after == calls_before, "unauthenticated input made vpbot call the Bot Connector or Entra"
    # Unknown key ids refresh the key set at most once a minute (no amplification).
    minutes = (time.monotonic() - started) / 60
    assert world.openid.key_fetches() - fetches_before <= 1 + int(minutes)


# --------------------------------------------------------------------------- authenticated junk


def test_authenticated_junk_gets_a_calm_answer(
    world: BothPlatforms, forms: list[dict[str, Any]], probe: Callable[[float], Probe]
) -> None:
    running = probe(SHARE_JUNK)
    service_url = world.teams.service_url
    token = mint_token(service_url)

    @hostile(SHARE_JUNK)
    @given(activity=teams_activity(service_url, forms))
    def attack(activity: dict[str, Any]) -> None:
        if running.out_of_time():
            return
        body = to_json(activity).encode("utf-8", "surrogatepass")
        response = running.send(_post(world, body, _bearer(token)))
        if len(body) > LIMIT:
            assert response.status_code == 413
        else:
            _check_answer(response)

    attack()
    world.quiesce()


@st.composite
def tampered_submit(draw: st.DrawFn, forms: list[dict[str, Any]]) -> dict[str, Any]:
    """A real dialog submit with its vpbot data tampered and junk typed into its fields."""
    from tests.hostile.strategies import ids, key_text, maybe_junk, mutated

    # Half the time the button's data is intact and only the typed values are junk (so the
    # flows behind the form run), half the time something inside the data is tampered with.
    submits = [f for f in forms if f.get("vpbot", {}).get("submit") is True]
    data = draw(st.one_of(st.sampled_from(submits), st.sampled_from(submits).flatmap(mutated)))
    if not isinstance(data, dict):
        data = {"vpbot": data}
    fields = draw(st.dictionaries(st.one_of(st.sampled_from(["adviser", "body", "note", "mode", "category", "language",
                                                             "anonymous", "user", "choice"]), key_text),
                                  st.one_of(text, maybe_junk), max_size=5))
    value: dict[str, Any] = {"data": {**data, **fields}}
    if draw(st.booleans()):
        value["commandId"] = draw(ids)
    return value


def test_tampered_dialog_submits_get_a_calm_answer(
    world: BothPlatforms, forms: list[dict[str, Any]], probe: Callable[[float], Probe]
) -> None:
    running = probe(SHARE_TAMPERED)
    token = mint_token(world.teams.service_url)

    @hostile(SHARE_TAMPERED)
    @given(value=tampered_submit(forms), name=st.sampled_from(["task/submit", "composeExtension/submitAction"]))
    def attack(value: dict[str, Any], name: str) -> None:
        if running.out_of_time():
            return
        activity = {**teams_base(world.teams.service_url), "type": "invoke", "name": name, "value": value}
        body = to_json(activity).encode("utf-8", "surrogatepass")
        response = running.send(_post(world, body, _bearer(token)))
        if len(body) > LIMIT:
            assert response.status_code == 413
        else:
            _check_answer(response)

    attack()
    world.quiesce()


# --------------------------------------------------------------------------- fixed edges


def _chunks(size: int) -> Iterator[bytes]:
    sent = 0
    while sent < size:
        part = min(64 * 1024, size - sent)
        sent += part
        yield b"x" * part


def test_large_bodies_content_types_and_encodings(world: BothPlatforms, probe: Callable[[float], Probe]) -> None:
    running = probe(0)
    rows_before, calls_before = snapshot(world)
    valid = _bearer(mint_token(world.teams.service_url))
    forged = _bearer("garbage")
    big = b"{" + b" " * LIMIT + b"}"
    for headers in (valid, forged, {"content-type": "application/json"}):
        expected = 401 if "authorization" not in headers else 413
        assert running.send(_post(world, big, headers)).status_code == expected
        streamed = running.send(lambda http, h=headers: http.post(world.teams.url, content=_chunks(LIMIT + 10), headers=h))
        assert streamed.status_code == expected
    for content_type in ("text/plain", "", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data"):
        headers = {**valid, "content-type": content_type}
        assert running.send(_post(world, b'{"type": "message"}', headers)).status_code == 415
    for body in (b"", b"{", b"\xff\xfe{}", b"[]", b"null", b'"message"', b'{"type": 1}', b'{"type": " "}',
                 b"[" * 200_000 + b"]" * 200_000, b'{"type":"message","x":' * 30_000, b'{"type": NaN}'):
        for headers in (valid, forged):
            assert running.send(_post(world, body, headers)).status_code in (400, 401)
    methods = [running.send(lambda http, m=m: http.request(m, world.teams.url)) for m in ("GET", "PUT", "DELETE")]
    assert {r.status_code for r in methods} == {405}
    rows_after, calls_after = snapshot(world)
    assert rows_after == rows_before and calls_after == calls_before
