"""Message catalogues (Dutch first, English second) and date formatting.

Texts live in gettext ``.po`` files under ``vpbot/ui/locale/<locale>/LC_MESSAGES/vpbot.po``.
Each ``msgid`` is a stable message *key* such as ``"home.title"`` and each ``msgstr`` the
text. Keys instead of English source strings mean that rewording the English copy does not
silently orphan the Dutch translation, and that both catalogues can be checked for the
same key set (see :func:`missing_keys` and :func:`placeholder_mismatches`).

Key conventions that tests and the screen model rely on:

- ``*.title``   modal / dialog titles, at most 24 characters (Slack's limit);
- ``modal.*``   modal submit / close labels, at most 24 characters (Slack's limit);
- ``button.*``  button labels, at most 75 characters (Slack's limit);
- ``notify.*``  content-free chat notifications (see :mod:`vpbot.ui.notifications`);
- ``error.*``   texts for domain error codes (see :mod:`vpbot.ui.errors`).

Placeholders use ``str.format`` named fields (``{when}``), never positional ones.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime as _babel_format_datetime
from babel.messages.pofile import read_po

__all__ = [
    "DEFAULT_LOCALE",
    "SUPPORTED_LOCALES",
    "catalogue",
    "format_date",
    "format_time",
    "format_when",
    "has_key",
    "keys",
    "missing_keys",
    "normalize_locale",
    "placeholder_mismatches",
    "placeholders",
    "t",
]

SUPPORTED_LOCALES: tuple[str, ...] = ("nl", "en")
DEFAULT_LOCALE = "nl"

_DOMAIN = "vpbot"

# CLDR patterns per locale. Kept in code rather than in the catalogues because they are
# formatting rules, not copy; the joining words ("om" / "at") are copy and live in the
# catalogue under "format.when".
_DATE_PATTERN: Mapping[str, str] = MappingProxyType({"nl": "EEEE d MMMM", "en": "EEEE d MMMM"})
_DATE_PATTERN_WITH_YEAR: Mapping[str, str] = MappingProxyType(
    {"nl": "EEEE d MMMM y", "en": "EEEE d MMMM y"}
)
# 24-hour clock in both: Dutch workplaces use it, and it avoids AM/PM ambiguity.
_TIME_PATTERN: Mapping[str, str] = MappingProxyType({"nl": "HH:mm", "en": "HH:mm"})


def normalize_locale(locale: str | None) -> str:
    """Map a platform locale ("nl-NL", "en_GB", "EN", None) to a supported one.

    Anything unsupported falls back to :data:`DEFAULT_LOCALE` (Dutch), because vpbot is
    for Dutch workplaces and a Dutch text is always the safe default.
    """
    if not locale:
        return DEFAULT_LOCALE
    base = locale.replace("_", "-").split("-", 1)[0].strip().lower()
    return base if base in SUPPORTED_LOCALES else DEFAULT_LOCALE


@lru_cache(maxsize=len(SUPPORTED_LOCALES))
def catalogue(locale: str) -> Mapping[str, str]:
    """Return the read-only key -> text mapping for a supported locale (read once, cached).

    Fuzzy entries are skipped, like gettext does, so a half-finished translation shows up
    as a missing key in the parity test instead of as wrong text in production.
    """
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale: {locale!r}")
    resource = resources.files("vpbot.ui").joinpath(
        "locale", locale, "LC_MESSAGES", f"{_DOMAIN}.po"
    )
    with resource.open("rb") as fileobj:
        parsed = read_po(fileobj, locale=locale, domain=_DOMAIN, abort_invalid=True)
    texts: dict[str, str] = {}
    for message in parsed:
        if not message.id or message.fuzzy:
            continue  # the header entry, or an unfinished translation
        if not isinstance(message.id, str) or not isinstance(message.string, str):
            raise ValueError(f"plural entries are not used in vpbot: {message.id!r}")
        if not message.string:
            continue  # untranslated: treated as missing
        texts[message.id] = message.string
    return MappingProxyType(texts)


def keys(locale: str = DEFAULT_LOCALE) -> frozenset[str]:
    """All message keys defined in the given locale's catalogue."""
    return frozenset(catalogue(normalize_locale(locale)))


def has_key(key: str) -> bool:
    """Whether ``key`` exists in the default (Dutch) catalogue, the reference one."""
    return key in catalogue(DEFAULT_LOCALE)


def _lookup(key: str, locale: str) -> str:
    texts = catalogue(locale)
    if key in texts:
        return texts[key]
    # An English gap falls back to Dutch; the parity test keeps this from happening.
    reference = catalogue(DEFAULT_LOCALE)
    if key in reference:
        return reference[key]
    raise KeyError(f"unknown message key: {key!r}")


def placeholders(key: str, locale: str = DEFAULT_LOCALE) -> frozenset[str]:
    """The named ``str.format`` placeholders in the text for ``key``."""
    return _placeholders_of(_lookup(key, normalize_locale(locale)))


def _placeholders_of(text: str) -> frozenset[str]:
    names = set()
    for _literal, field_name, _spec, _conversion in string.Formatter().parse(text):
        if field_name is not None:
            names.add(field_name)
    return frozenset(names)


def t(key: str, locale: str = DEFAULT_LOCALE, **params: object) -> str:
    """Translate ``key`` into ``locale`` and fill its named placeholders from ``params``.

    Unknown locales fall back to Dutch. An unknown key, or a placeholder without a
    parameter, raises :class:`KeyError` — both are programming errors that the unit tests
    are meant to catch. Extra parameters are ignored, so one set of parameters can serve
    several variants of a text.
    """
    text = _lookup(key, normalize_locale(locale))
    return text.format_map(_StrictParams(key, params))


class _StrictParams(dict[str, object]):
    """A format mapping that names the message key when a parameter is missing."""

    def __init__(self, key: str, params: Mapping[str, object]) -> None:
        super().__init__(params)
        self._key = key

    def __missing__(self, name: str) -> object:
        raise KeyError(f"message {self._key!r} needs parameter {name!r}")


def missing_keys() -> dict[str, frozenset[str]]:
    """Per locale, the keys some other catalogue has but this one lacks (empty when in sync)."""
    every = frozenset().union(*(keys(loc) for loc in SUPPORTED_LOCALES))
    return {loc: every - keys(loc) for loc in SUPPORTED_LOCALES if every - keys(loc)}


def placeholder_mismatches() -> dict[str, dict[str, frozenset[str]]]:
    """Keys whose placeholders differ between catalogues: key -> {locale: placeholders}."""
    shared = frozenset.intersection(*(keys(loc) for loc in SUPPORTED_LOCALES))
    mismatches: dict[str, dict[str, frozenset[str]]] = {}
    for key in sorted(shared):
        per_locale = {loc: _placeholders_of(catalogue(loc)[key]) for loc in SUPPORTED_LOCALES}
        if len(set(per_locale.values())) > 1:
            mismatches[key] = per_locale
    return mismatches


@lru_cache(maxsize=64)
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def _localise(dt: datetime, tz: str) -> datetime:
    # Naive datetimes are refused: guessing their zone is how appointments drift an hour.
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware (UTC)")
    return dt.astimezone(_zone(tz))


def _format(dt: datetime, tz: str, locale: str, patterns: Mapping[str, str]) -> str:
    loc = normalize_locale(locale)
    local = _localise(dt, tz)
    return _babel_format_datetime(
        local, patterns[loc], tzinfo=local.tzinfo, locale=Locale.parse(loc)
    )


def format_date(dt: datetime, tz: str, locale: str, *, with_year: bool = False) -> str:
    """A day label in ``tz``: "dinsdag 24 november" (nl), "Tuesday 24 November" (en)."""
    return _format(dt, tz, locale, _DATE_PATTERN_WITH_YEAR if with_year else _DATE_PATTERN)


def format_time(dt: datetime, tz: str, locale: str) -> str:
    """A clock time in ``tz`` on the 24-hour clock: "14:00"."""
    return _format(dt, tz, locale, _TIME_PATTERN)


def format_when(dt: datetime, tz: str, locale: str, *, with_year: bool = False) -> str:
    """Day and time in ``tz``: "dinsdag 24 november om 14:00" / "Tuesday 24 November at 14:00"."""
    return t(
        "format.when",
        locale,
        date=format_date(dt, tz, locale, with_year=with_year),
        time=format_time(dt, tz, locale),
    )
