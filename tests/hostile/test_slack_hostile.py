"""Hostile input into ``POST /slack/events`` of a running ``vpbot serve``.

Unsigned, forged and stale requests get 401 (413 when too large) and change nothing: no
row anywhere, no call to any platform. Signed junk — Slack's own retries, a bug on its
side, or someone who holds the signing secret — gets a calm 2xx/4xx, never a 500, never a
crash, and the server keeps answering.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterator

import httpx
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile.conftest import Probe, hostile, snapshot
from tests.hostile.strategies import FORM, JSON, header_text, slack_bodies, timestamps
from tests.support.both_platforms import BothPlatforms
from tests.support.slack_requests import SIGNING_SECRET

SHARE_UNSIGNED = 0.2
SHARE_SIGNED = 0.3
LIMIT = 1_000_000
CALM = "Er ging iets mis"  # the text vpbot answers when a Bolt listener failed before ack()


def _bytes(body: str | bytes) -> bytes:
    return body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")


def sign(body: bytes, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    """Slack's v0 signature over raw bytes (also for bodies that are not UTF-8)."""
    base = b"v0:" + timestamp.encode("latin-1") + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(body: bytes, content_type: str) -> dict[str, str]:
    now = str(int(time.time()))
    return {"content-type": content_type, "x-slack-request-timestamp": now, "x-slack-signature": sign(body, now)}


@st.composite
def unauthentic_headers(draw: st.DrawFn, body: bytes, content_type: str) -> dict[str, bytes]:
    """Headers that must not pass: missing, forged, stale, other secret, odd timestamps."""
    now = str(int(time.time()))
    kind = draw(st.sampled_from(["none", "no_signature", "no_timestamp", "forged", "other_secret", "stale",
                                 "future", "odd_timestamp", "other_body", "odd_signature"]))
    headers: dict[str, str] = {"content-type": content_type}
    if kind == "no_signature":
        headers["x-slack-request-timestamp"] = now
    elif kind == "no_timestamp":
        headers["x-slack-signature"] = sign(body, now)
    elif kind == "forged":
        headers.update({"x-slack-request-timestamp": now, "x-slack-signature": "v0=" + "0" * 64})
    elif kind == "other_secret":
        headers.update({"x-slack-request-timestamp": now, "x-slack-signature": sign(body, now, "not-the-secret")})
    elif kind in ("stale", "future"):
        ts = str(int(time.time()) + (-301 if kind == "stale" else 600))  # the server may be a second behind
        headers.update({"x-slack-request-timestamp": ts, "x-slack-signature": sign(body, ts)})
    elif kind == "odd_timestamp":
        ts = draw(timestamps)
        headers.update({"x-slack-request-timestamp": ts, "x-slack-signature": sign(body, ts)})
    elif kind == "other_body":
        headers.update({"x-slack-request-timestamp": now, "x-slack-signature": sign(body + b"&x=1", now)})
    elif kind == "odd_signature":
        headers.update({"x-slack-request-timestamp": now, "x-slack-signature": draw(header_text)})
    return {k: v.encode("latin-1") for k, v in headers.items()}


def post(world: BothPlatforms, body: bytes, headers: dict[str, str] | dict[str, bytes]) -> Callable[[httpx.Client], httpx.Response]:
    return lambda http: http.post(world.server.base_url + "/slack/events", content=body, headers=headers)


def expected_status(body: bytes, status: int, allowed: set[int]) -> None:
    if len(body) > LIMIT:
        assert status == 413, status
    else:
        assert status in allowed, status


# --------------------------------------------------------------------------- unauthenticated


def test_unsigned_forged_and_stale_requests_change_nothing(world: BothPlatforms, probe: Callable[[float], Probe]) -> None:
    world.slack.command("U0WARMUP")  # the first signed request makes Bolt call auth.test once
    rows_before, calls_before = snapshot(world)
    running = probe(SHARE_UNSIGNED)

    @hostile(SHARE_UNSIGNED)
    @given(body=slack_bodies, data=st.data())
    def attack(body: tuple[str | bytes, str], data: st.DataObject) -> None:
        if running.out_of_time():
            return
        raw, content_type = _bytes(body[0]), body[1]
        headers = data.draw(unauthentic_headers(raw, content_type))
        response = running.send(post(world, raw, headers))
        expected_status(raw, response.status_code, {401})

    attack()
    rows_after, calls_after = snapshot(world)
    assert rows_after == rows_before, "unauthenticated input changed the database"
    assert calls_after == calls_before, "unauthenticated input made vpbot call a platform"


# --------------------------------------------------------------------------- signed junk


def test_signed_junk_gets_a_calm_answer_and_the_server_stays_up(world: BothPlatforms, probe: Callable[[float], Probe]) -> None:
    running = probe(SHARE_SIGNED)
    calm_failures: list[str] = []

    @hostile(SHARE_SIGNED)
    @given(body=slack_bodies, retry=st.sampled_from([None, "1", "x"]))
    def attack(body: tuple[str | bytes, str], retry: str | None) -> None:
        if running.out_of_time():
            return
        raw, content_type = _bytes(body[0]), body[1]
        headers = signed_headers(raw, content_type)
        if retry is not None:
            headers.update({"x-slack-retry-num": retry, "x-slack-retry-reason": "http_timeout"})
        response = running.send(post(world, raw, headers))
        # 401: a body that is not UTF-8 cannot be verified; a repeated body is a replay.
        expected_status(raw, response.status_code, {200, 400, 401, 404})
        if CALM in response.text:
            calm_failures.append(raw[:3000].decode("utf-8", "replace"))

    attack()
    world.quiesce()
    assert not calm_failures, f"{len(calm_failures)} signed requests made a listener fail, e.g.:\n" + "\n".join(
        calm_failures[:5])


# --------------------------------------------------------------------------- fixed edges


def _chunks(size: int) -> Iterator[bytes]:
    sent = 0
    while sent < size:
        part = min(64 * 1024, size - sent)
        sent += part
        yield b"x" * part


def test_bodies_over_one_megabyte_content_types_and_encodings(world: BothPlatforms, probe: Callable[[float], Probe]) -> None:
    running = probe(0)
    rows_before, calls_before = snapshot(world)
    url = world.server.base_url + "/slack/events"
    big = b"command=" + b"x" * LIMIT
    for headers in (signed_headers(big, FORM), {"content-type": FORM}):
        assert running.send(lambda http: http.post(url, content=big, headers=headers)).status_code == 413
        # Streamed without a Content-Length: reading stops at the limit.
        streamed = running.send(lambda http: http.post(url, content=_chunks(LIMIT + 10), headers=headers))
        assert streamed.status_code == 413
    for content_type in ("text/plain", "", "application/xml", "multipart/form-data; boundary=x"):
        body = b"command=%2Fvertrouwenspersoon&team_id=T&user_id=U&trigger_id=t"
        assert running.send(post(world, body, {"content-type": content_type})).status_code == 401
        assert running.send(post(world, body, signed_headers(body, content_type))).status_code == 400
    for body in (b"%", b"a=%zz", b"payload=%7B", b"=&=", b"\xff\xfe", b"payload=%ff"):
        assert running.send(post(world, body, {"content-type": FORM})).status_code == 401
        assert running.send(post(world, body, signed_headers(body, FORM))).status_code in (400, 401)
    for body in (b"[" * 100_000 + b"]" * 100_000, b'{"type":' * 50_000):
        assert running.send(post(world, body, signed_headers(body, JSON))).status_code == 400
    methods = [running.send(lambda http, m=m: http.request(m, url)) for m in ("GET", "PUT", "DELETE")]
    assert {r.status_code for r in methods} == {405}
    rows_after, calls_after = snapshot(world)
    assert rows_after == rows_before and calls_after == calls_before
