"""Hypothesis strategies for hostile input: junk JSON, odd unicode, Slack payloads, Teams activities.

Everything here builds *requests* (bodies, headers, tokens); nothing talks to a server.
"""

from __future__ import annotations

import base64
import json
import pkgutil
from importlib import import_module
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import strategies as st
from jwt.algorithms import RSAAlgorithm

from tests.support.fake_slack import TEAM_ID
from tests.support.teams_fakes import (
    APP_ID,
    OTHER_KEY,
    TEAMS_KEY,
    USER_TENANT,
    SigningKey,
    default_claims,
    hs256_token,
    mint_token,
    unsigned_token,
)
from vpbot.ui.actions import ActionId

# --------------------------------------------------------------------------- building blocks

ODD = (
    "\x00", "\u200f", "\u202e", "\u2066", "\ufeff", "\ud800", "\udfff", "\udbff\udc00", "😀", "👩‍👩‍👧",
    "\U0010ffff", "\u0301", "ﷺ", "\x7f", "\x1b[31m", "\n", "\r\n", "\t", "'", '"', "\\", "%", "%zz", "&", "=",
    "+", ";", "<script>", "{{", "${", "../", "vpbot.", "|", ":", "²", "٣", "NaN", "-0", "1e999", "null",
)
odd_text = st.lists(st.one_of(st.sampled_from(ODD), st.text(max_size=6)), max_size=8).map("".join)
small_text = st.one_of(st.text(max_size=40), odd_text)
# Long values are drawn only for top-level fields, so nested junk stays well under 1 MB.
huge_text = st.integers(min_value=5_000, max_value=300_000).map(lambda n: "x" * n)
text = st.one_of(small_text, small_text, small_text, huge_text)
key_text = st.one_of(st.sampled_from(["type", "id", "user", "team", "view", "state", "values", "value", "actions",
                                      "action_id", "callback_id", "private_metadata", "event", "data", "vpbot",
                                      "submit", "screen", "form", "meta", "$", "team_id", "enterprise",
                                      "enterprise_id", "is_enterprise_install", "authorizations", "channel",
                                      "app_installed_team_id", "response_url", "message", "container"]),
                     st.text(max_size=12), odd_text)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False), small_text,
)
junk = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(key_text, children, max_size=4)),
    max_leaves=16,
)


def deeply_nested(depth: int, kind: str) -> str:
    """JSON nested ``depth`` levels deep (a list or an object chain)."""
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


nesting = st.builds(deeply_nested, st.integers(min_value=500, max_value=200_000), st.sampled_from(["list", "obj"]))


def to_json(value: Any) -> str:
    """JSON text of ``value`` (lone surrogates escaped, as Slack or an attacker could send them)."""
    return json.dumps(value, ensure_ascii=True, allow_nan=True)


def _screen_ids() -> list[str]:
    """Every ``vpbot.*`` screen id constant of the UI (for realistic junk submits)."""
    import vpbot.ui.views as package

    found: set[str] = set()
    for info in pkgutil.iter_modules(package.__path__):
        module = import_module(f"{package.__name__}.{info.name}")
        found |= {v for k, v in vars(module).items() if k.isupper() and isinstance(v, str) and v.startswith("vpbot.")}
    return sorted(found)


SCREEN_IDS = _screen_ids()
ACTION_IDS = sorted(a.value for a in ActionId)
ids = st.one_of(st.sampled_from(ACTION_IDS), st.sampled_from(SCREEN_IDS), st.text(max_size=20), odd_text,
                st.sampled_from(["vpbot.", "vpbot.x|y", "vpbot.open|case:1", "vpbot.slot.pick|a:b"]))
maybe_junk = st.one_of(junk, ids)

# --------------------------------------------------------------------------- Slack

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
content_types = st.one_of(
    st.sampled_from([FORM, JSON, "text/plain", "", "multipart/form-data; boundary=x", "application/json; charset=utf-16",
                     f"{FORM}; charset=latin-1", "APPLICATION/JSON", "application/xml", "*/*"]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30).map(str.strip),
)


def _fields(base: dict[str, Any], draw_over: dict[str, Any], drop: list[str]) -> dict[str, Any]:
    out = {k: v for k, v in base.items() if k not in drop}
    out.update(draw_over)
    return out


@st.composite
def slack_command(draw: st.DrawFn) -> tuple[str, str]:
    """A slash command form with junk, missing or extra fields."""
    base = {"command": "/vertrouwenspersoon", "text": "", "team_id": TEAM_ID, "user_id": "U0HOSTILE",
            "trigger_id": "trigger-1", "channel_id": "D0CHAN", "response_url": "", "api_app_id": "A0VPBOT"}
    over = draw(st.dictionaries(st.sampled_from([*base, "enterprise_id", "is_enterprise_install", "ssl_check"]),
                                st.one_of(text, ids), max_size=4))
    drop = draw(st.lists(st.sampled_from(list(base)), max_size=3))
    fields = _fields(base, over, drop)
    return _urlencode(fields), FORM


def _urlencode(fields: dict[str, Any]) -> str:
    return urlencode({k: str(v) for k, v in fields.items()}, quote_via=lambda s, *a, **k: quote(s, safe="", errors="surrogatepass"))


def _user(draw: st.DrawFn) -> Any:
    return draw(st.one_of(st.just({"id": "U0HOSTILE", "team_id": TEAM_ID}),
                          st.fixed_dictionaries({"id": ids}, optional={"team_id": maybe_junk, "locale": maybe_junk}),
                          junk))


def _view(draw: st.DrawFn) -> Any:
    return draw(st.one_of(
        st.fixed_dictionaries(
            {"callback_id": ids},
            optional={
                "id": maybe_junk, "type": st.sampled_from(["modal", "home", "x"]) | junk,
                "private_metadata": st.one_of(text, junk.map(to_json), junk),
                "state": st.one_of(
                    st.fixed_dictionaries({"values": st.dictionaries(key_text, st.dictionaries(
                        key_text, st.one_of(junk, st.fixed_dictionaries({"type": st.sampled_from(
                            ["plain_text_input", "static_select", "radio_buttons", "checkboxes", "datepicker",
                             "users_select", "x"])}, optional={
                            "value": maybe_junk, "selected_option": junk, "selected_options": junk,
                            "selected_date": maybe_junk, "selected_user": maybe_junk})), max_size=3), max_size=4)}),
                    junk),
                "hash": maybe_junk, "blocks": junk, "app_installed_team_id": maybe_junk,
            },
        ),
        junk,
    ))


@st.composite
def slack_interaction(draw: st.DrawFn) -> tuple[str, str]:
    """An interactive ``payload=`` form: block_actions, view_submission, … with junk inside."""
    kind = draw(st.sampled_from(["block_actions", "view_submission", "view_closed", "shortcut", "message_action",
                                 "block_suggestion", "interactive_message", "x"]) | junk)
    payload: dict[str, Any] = {"type": kind, "user": _user(draw)}
    if draw(st.booleans()):
        payload["team"] = draw(st.one_of(st.just({"id": TEAM_ID}), st.none(), junk))
    if kind in ("view_submission", "view_closed") or draw(st.booleans()):
        payload["view"] = _view(draw)
    if kind == "block_actions" or draw(st.booleans()):
        action = st.fixed_dictionaries(
            {"action_id": ids},
            optional={"value": maybe_junk, "block_id": maybe_junk, "type": st.sampled_from(["button", "x"]) | junk,
                      "selected_option": junk},
        )
        payload["actions"] = draw(st.one_of(st.lists(action, min_size=1, max_size=3), junk))
    if draw(st.booleans()):
        payload["trigger_id"] = draw(maybe_junk)
    if draw(st.booleans()):
        payload["container"] = draw(junk)
    payload.update(draw(st.dictionaries(key_text, junk, max_size=2)))
    raw = draw(st.one_of(st.just(to_json(payload)), st.just(to_json(payload)), nesting, text))
    return _urlencode({"payload": raw}), FORM


@st.composite
def slack_event(draw: st.DrawFn) -> tuple[str, str]:
    """An Events API JSON body with junk events (and junk envelopes)."""
    event_type = draw(st.sampled_from(["message", "app_uninstalled", "tokens_revoked", "app_home_opened",
                                       "app_mention", "member_joined_channel", "x"]) | text)
    event = {"type": event_type, **draw(st.dictionaries(
        st.sampled_from(["channel", "channel_type", "user", "text", "subtype", "bot_id", "tokens", "ts", "tab"]) | key_text,
        maybe_junk, max_size=5))}
    if draw(st.booleans()):
        event.update({"channel_type": "im", "channel": "D0HOSTILE", "user": "U0HOSTILE"})
    if draw(st.booleans()):
        event.update({"tab": draw(st.sampled_from(["home", "messages"])), "user": draw(maybe_junk)})
    body: dict[str, Any] = {"type": "event_callback", "team_id": TEAM_ID, "api_app_id": "A0VPBOT", "event": event,
                            "event_id": draw(st.one_of(st.text(min_size=1, max_size=20), st.just("Ev0SAME"))),
                            "event_time": draw(maybe_junk)}
    if draw(st.booleans()):
        body["authorizations"] = draw(junk)
    if draw(st.booleans()):
        body["enterprise_id"] = draw(maybe_junk)
    if draw(st.booleans()):
        body["is_ext_shared_channel"] = draw(junk)
    drop = draw(st.lists(st.sampled_from(["team_id", "event_id", "event", "type"]), max_size=1))
    for key in drop:
        body.pop(key, None)
    other = draw(st.one_of(
        st.just(body), st.just(body), st.just(body),
        st.fixed_dictionaries({"type": st.just("url_verification")}, optional={"challenge": maybe_junk, "token": text}),
        st.fixed_dictionaries({"type": st.just("app_rate_limited")}, optional={"team_id": maybe_junk}),
        junk,
    ))
    raw = draw(st.one_of(st.just(to_json(other)), st.just(to_json(other)), nesting))
    return raw, JSON


@st.composite
def slack_raw(draw: st.DrawFn) -> tuple[str | bytes, str]:
    """Bodies that are not what they say: invalid form encoding, bytes, odd content types."""
    body = draw(st.one_of(
        st.sampled_from(["%", "%zz", "a=%ff%fe", "=&=&", "payload", "payload=", "payload=%7B", "command&command",
                         "ssl_check=1", "ssl_check=1&token=x", "\x00", "a=b;c=d", "a" * 10_000 + "=",
                         "payload=" + "%5B" * 3000]),
        st.binary(max_size=200),
        text,
        junk.map(to_json),
    ))
    return body, draw(content_types)


slack_bodies = st.one_of(slack_command(), slack_interaction(), slack_interaction(), slack_event(), slack_event(),
                         slack_raw())

# Header values as a client can put them on the wire (latin-1, no CR/LF/NUL).
header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"),
                      max_size=40).map(lambda s: s.strip(" \t"))
timestamps = st.one_of(header_text, st.sampled_from(["²", "¹²³", "0", "-1", "1e9", "1 1", "99999999999999999999999",
                                                     "17", ""]))


# --------------------------------------------------------------------------- Teams

def teams_base(service_url: str) -> dict[str, Any]:
    return {
        "type": "message", "id": "1700000000000", "timestamp": "2026-09-07T08:00:00.000Z",
        "serviceUrl": service_url, "channelId": "msteams",
        "from": {"id": "29:1-hostile", "aadObjectId": "00000000-0000-0000-0000-00000000dead", "name": "H"},
        "conversation": {"id": "a:1-hostile-chat", "conversationType": "personal", "tenantId": USER_TENANT},
        "recipient": {"id": f"28:{APP_ID}", "name": "vpbot"},
        "channelData": {"tenant": {"id": USER_TENANT}}, "locale": "nl-NL", "text": "hallo",
    }


TEAMS_KEYS = ["type", "id", "timestamp", "from", "conversation", "recipient", "channelData", "locale", "text",
              "name", "value", "action", "membersAdded", "membersRemoved", "localTimezone", "attachments",
              "replyToId", "entities", "textFormat"]
activity_types = st.sampled_from(["message", "invoke", "installationUpdate", "conversationUpdate", "messageReaction",
                                  "event", "typing", "endOfConversation", "messageUpdate", "x", " ", "invoke "]) | text
invoke_names = st.sampled_from(["task/fetch", "task/submit", "composeExtension/fetchTask",
                                "composeExtension/submitAction", "adaptiveCard/action", "signin/verifyState",
                                "composeExtension/query", "actionableMessage/executeAction", "x"]) | text


@st.composite
def dialog_value(draw: st.DrawFn, forms: list[Any]) -> Any:
    """``value`` of a dialog invoke: junk, vpbot-shaped junk, or a tampered real submit."""
    ours = st.fixed_dictionaries({}, optional={
        "action": ids, "value": maybe_junk, "screen": ids, "submit": st.one_of(st.just(True), junk),
        "meta": st.one_of(st.dictionaries(key_text, maybe_junk, max_size=4), junk),
        "lists": st.one_of(st.lists(ids, max_size=3), junk), "users": st.one_of(st.lists(ids, max_size=3), junk),
        "form": st.one_of(junk, st.sampled_from(forms).flatmap(mutated) if forms else junk),
    })
    data = st.one_of(
        st.builds(lambda o, extra: {"vpbot": o, **extra}, ours, st.dictionaries(key_text, maybe_junk, max_size=4)),
        st.builds(lambda o: {"vpbot": o, "msteams": {"type": "task/fetch"}}, ours),
        junk,
    )
    return draw(st.one_of(
        st.builds(lambda d: {"data": d}, data),
        st.builds(lambda d, c: {"data": d, "commandId": c, "commandContext": "compose"}, data, ids),
        junk,
    ))


def mutated(document: Any) -> st.SearchStrategy[Any]:
    """``document`` with one value somewhere inside replaced by junk (or a key added)."""
    paths: list[tuple[Any, ...]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        paths.append(path)
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*path, index))

    walk(document, ())

    def replace(path: tuple[Any, ...], value: Any, add: bool) -> Any:
        copy = json.loads(json.dumps(document))
        if not path:
            return value
        node = copy
        for step in path[:-1]:
            node = node[step]
        if add and isinstance(node, dict):
            node[f"{path[-1]}x"] = value
        else:
            node[path[-1]] = value
        return copy

    return st.builds(replace, st.sampled_from(paths), junk, st.booleans())


@st.composite
def teams_activity(draw: st.DrawFn, service_url: str, forms: list[Any]) -> dict[str, Any]:
    """A personal-chat activity with junk in it; serviceUrl and channelId stay right (so a
    valid token for ``service_url`` authenticates it)."""
    body = teams_base(service_url)
    body["type"] = draw(activity_types)
    if body["type"] == "invoke" or draw(st.booleans()):
        body["name"] = draw(invoke_names)
        body["value"] = draw(dialog_value(forms))
        body.pop("text", None)
    over = draw(st.dictionaries(st.sampled_from(TEAMS_KEYS) | key_text, maybe_junk, max_size=4))
    for key in draw(st.lists(st.sampled_from(TEAMS_KEYS), max_size=3)):
        body.pop(key, None)
    body.update({k: v for k, v in over.items() if k not in ("serviceUrl", "channelId")})
    if draw(st.booleans()):
        body["text"] = draw(text)
    if draw(st.sampled_from([False] * 29 + [True])):  # now and then: a channel vpbot does not serve (401)
        body["channelId"] = draw(st.sampled_from(["webchat", "msteams ", ""]) | junk)
    return body


@st.composite
def bad_tokens(draw: st.DrawFn, service_url: str) -> str:
    """Tokens that must never authenticate an activity for ``service_url``."""
    choice = draw(st.sampled_from(["garbage", "none", "hs256", "other_key", "audience", "issuer", "expired",
                                   "future", "service_url", "no_service_url", "no_kid", "kid_junk", "alg_junk",
                                   "truncated", "unknown_kid"]))
    if choice == "garbage":
        return draw(st.one_of(st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1,
                                      max_size=200), st.just("a.b.c"), st.just("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")))
    if choice == "none":
        return unsigned_token(service_url)
    if choice == "hs256":
        return hs256_token(service_url)
    if choice == "other_key":
        return mint_token(service_url, OTHER_KEY)
    if choice == "unknown_kid":
        return mint_token(service_url, headers={"kid": draw(st.sampled_from(["k-unknown", "x" * 300]))})
    if choice == "audience":
        return mint_token(service_url, aud=draw(st.sampled_from(["", "other", APP_ID.upper(), ["other", "x"], [APP_ID + "x"]])))
    if choice == "issuer":
        return mint_token(service_url, iss=draw(st.sampled_from(["https://evil.example", "", None])))
    if choice == "expired":
        return mint_token(service_url, exp=1_000_000, nbf=999_000, iat=999_000)
    if choice == "future":
        return mint_token(service_url, nbf=4_000_000_000)
    if choice == "service_url":
        return mint_token("https://evil.example/")
    if choice == "no_service_url":
        return mint_token(service_url, serviceurl=None)
    if choice == "no_kid":
        return mint_token(service_url, headers={"kid": None})
    if choice == "kid_junk":
        return raw_token({"alg": "RS256", "kid": draw(st.sampled_from([1, ["a"], {"a": 1}, "", None]))},
                         default_claims(service_url))
    if choice == "alg_junk":
        token = mint_token(service_url)
        return token[: token.index(".")][:-2] + "xx" + token[token.index("."):]
    token = mint_token(service_url, TEAMS_KEY)
    return token[: draw(st.integers(1, len(token) - 1))]


def raw_token(header: dict[str, Any], claims: dict[str, Any], key: SigningKey = TEAMS_KEY) -> str:
    """An RS256-signed token with any header at all (PyJWT refuses odd ``kid`` values)."""
    def part(value: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    signing_input = f"{part(header)}.{part(claims)}"
    signature = RSAAlgorithm(RSAAlgorithm.SHA256).sign(signing_input.encode(), key.private_key)
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


authorization_headers = st.sampled_from(["Bearer {t}", "bearer {t}", "Bearer  {t}", "Basic {t}", "{t}", "Bearer {t} x"])
