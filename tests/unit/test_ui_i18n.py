"""Message catalogues and date formatting (vpbot.ui.i18n)."""

from __future__ import annotations

import re
import string
from datetime import datetime, timedelta, timezone

import pytest

from vpbot.ui import i18n
from vpbot.ui.errors import ERROR_CODES, FALLBACK_KEY, error_key, error_text
from vpbot.ui.i18n import SUPPORTED_LOCALES, format_date, format_time, format_when, t
from vpbot.ui.screens import BUTTON_LABEL_MAX, MODAL_BUTTON_MAX, TITLE_MAX

AMS = "Europe/Amsterdam"
UTC = timezone.utc


def _all_texts() -> list[tuple[str, str, str]]:
    return [
        (locale, key, text)
        for locale in SUPPORTED_LOCALES
        for key, text in sorted(i18n.catalogue(locale).items())
    ]


# --- catalogue parity -------------------------------------------------------------------


def test_both_catalogues_load_and_are_not_trivial() -> None:
    for locale in SUPPORTED_LOCALES:
        assert len(i18n.keys(locale)) > 100


def test_catalogues_have_exactly_the_same_keys() -> None:
    assert i18n.missing_keys() == {}
    assert i18n.keys("nl") == i18n.keys("en")


def test_catalogues_have_the_same_placeholders_per_key() -> None:
    assert i18n.placeholder_mismatches() == {}


def test_placeholders_are_plain_named_fields() -> None:
    for locale, key, text in _all_texts():
        for _literal, name, spec, conversion in string.Formatter().parse(text):
            if name is None:
                continue
            # No positional "{}", no attribute / index access, no format specs.
            assert name.isidentifier(), (locale, key, name)
            assert not spec and conversion is None, (locale, key)
            # t(key, locale, **params) could not receive these two.
            assert name not in {"key", "locale"}, (locale, key)


def test_texts_are_non_empty_and_trimmed() -> None:
    for locale, key, text in _all_texts():
        assert text.strip() == text and text, (locale, key)


def test_texts_are_plain_text_without_markdown() -> None:
    for locale, key, text in _all_texts():
        assert not re.search(r"[*`<>]|\]\(", text), (locale, key, text)


def test_dutch_uses_the_je_form() -> None:
    formal = re.compile(r"\b(u|uw|U|Uw)\b")
    for key, text in i18n.catalogue("nl").items():
        assert not formal.search(text), (key, text)


def test_catalogue_is_cached() -> None:
    assert i18n.catalogue("nl") is i18n.catalogue("nl")


# --- Slack limits -----------------------------------------------------------------------


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_titles_fit_the_slack_modal_title_limit(locale: str) -> None:
    titles = {k: v for k, v in i18n.catalogue(locale).items() if k.endswith(".title")}
    assert titles
    too_long = {k: v for k, v in titles.items() if len(v) > TITLE_MAX}
    assert too_long == {}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_modal_buttons_fit_the_slack_submit_limit(locale: str) -> None:
    labels = {k: v for k, v in i18n.catalogue(locale).items() if k.startswith("modal.")}
    assert labels
    assert {k: v for k, v in labels.items() if len(v) > MODAL_BUTTON_MAX} == {}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_button_labels_fit_the_slack_button_limit(locale: str) -> None:
    labels = {k: v for k, v in i18n.catalogue(locale).items() if k.startswith("button.")}
    assert labels
    assert {k: v for k, v in labels.items() if len(v) > BUTTON_LABEL_MAX} == {}


# --- t() --------------------------------------------------------------------------------


def test_t_defaults_to_dutch() -> None:
    assert t("modal.send") == "Versturen"
    assert t("modal.send", "en") == "Send"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("nl-NL", "nl"),
        ("nl_BE", "nl"),
        ("en-GB", "en"),
        ("EN", "en"),
        ("fr", "nl"),
        ("", "nl"),
        (None, "nl"),
    ],
)
def test_locales_are_normalised_with_dutch_fallback(given: str | None, expected: str) -> None:
    assert i18n.normalize_locale(given) == expected


def test_unknown_locale_falls_back_to_dutch() -> None:
    assert t("modal.send", "fr") == t("modal.send", "nl")


def test_t_fills_named_parameters() -> None:
    assert t("data.appointments", "en", count=3) == "Appointments: 3"
    assert t("data.appointments", "nl", count=3, unused=1) == "Afspraken: 3"


def test_missing_key_raises_key_error() -> None:
    with pytest.raises(KeyError):
        t("no.such.key")
    with pytest.raises(KeyError):
        t("no.such.key", "en")


def test_missing_parameter_raises_key_error_naming_the_message() -> None:
    with pytest.raises(KeyError, match=r"data\.appointments"):
        t("data.appointments", "nl")


# --- content the product needs ----------------------------------------------------------


REQUIRED_KEYS = [
    "home.intro",
    "help.what.body",
    "help.not.body",
    "help.confidential.body",
    "help.platform.body",
    "help.crisis.body",
    "button.menu.book",
    "button.menu.write",
    "button.menu.mine",
    "button.menu.language",
    "button.menu.help",
    "booking.adviser.first_available",
    "booking.kind.label",
    "booking.day.label",
    "booking.time.label",
    "booking.mode.label",
    "mode.in_person",
    "mode.phone",
    "mode.video",
    "booking.category.label",
    "booking.note.hint",
    "booking.confirm.title",
    "booking.taken.body",
    "booking.cancel.title",
    "booking.reschedule.title",
    "thread.anonymous.explain",
    "thread.reveal.body",
    "thread.sent.body",
    "referral.choice.share",
    "referral.choice.self",
    "referral.choice.decline",
    "referral.withdraw.body",
    "checkin.question",
    "button.checkin.good",
    "button.checkin.talk",
    "button.checkin.stop",
    "adviser.title",
    "admin.adviser.coi.warning",
    "admin.directory.title",
    "admin.settings.retention.label",
    "admin.settings.aftercare.label",
    "admin.settings.anonymous.label",
    "admin.stats.title",
    "data.title",
    "data.delete.body",
    "chat.neutral_reply",
]


@pytest.mark.parametrize("key", REQUIRED_KEYS)
def test_required_texts_exist(key: str) -> None:
    for locale in SUPPORTED_LOCALES:
        assert key in i18n.keys(locale)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_help_gives_the_crisis_numbers(locale: str) -> None:
    text = t("help.crisis.body", locale)
    for number in ("112", "113", "0800-0113"):
        assert number in text


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_help_is_honest_about_what_the_platform_sees(locale: str) -> None:
    text = t("help.platform.body", locale)
    assert "vpbot" in text and "Slack" in text and "Teams" in text


def test_note_hint_says_only_the_adviser_can_read_it() -> None:
    assert "Alleen je vertrouwenspersoon" in t("booking.note.hint", "nl", max=500)
    assert "Only your adviser" in t("booking.note.hint", "en", max=500)


def test_registration_categories_are_the_dutch_ones() -> None:
    labels = {
        t(f"category.{v}", "nl")
        for v in (
            "bullying",
            "harassment",
            "aggression",
            "discrimination",
            "workload",
            "integrity",
            "other",
            "undisclosed",
        )
    }
    assert labels == {
        "Pesten",
        "(Seksuele) intimidatie",
        "Agressie en geweld",
        "Discriminatie",
        "Werkdruk / psychosociale arbeidsbelasting",
        "Integriteit",
        "Overig",
        "Zeg ik liever niet",
    }


@pytest.mark.parametrize("code", ERROR_CODES)
def test_every_error_code_has_a_text(code: str) -> None:
    for locale in SUPPORTED_LOCALES:
        assert error_key(code) == f"error.{code}"
        assert error_text(code, locale)


def test_unknown_error_code_gets_the_generic_text() -> None:
    assert error_key("something.new") == FALLBACK_KEY
    assert error_text("something.new", "en") == t(FALLBACK_KEY, "en")


def test_service_unavailable_reassures_nothing_was_lost() -> None:
    assert "niets verloren" in error_text("service.unavailable", "nl")
    assert "Nothing has been lost" in error_text("service.unavailable", "en")


def test_neutral_reply_has_no_placeholders() -> None:
    # It must not be able to echo what was typed (DESIGN C3).
    for locale in SUPPORTED_LOCALES:
        assert i18n.placeholders("chat.neutral_reply", locale) == frozenset()


# --- dates ------------------------------------------------------------------------------


def test_format_when_in_dutch_and_english() -> None:
    at = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # a Tuesday, 14:00 in Amsterdam (CET)
    assert format_when(at, AMS, "nl") == "dinsdag 24 november om 14:00"
    assert format_when(at, AMS, "en") == "Tuesday 24 November at 14:00"


def test_format_date_and_time() -> None:
    at = datetime(2026, 11, 24, 13, 5, tzinfo=UTC)
    assert format_date(at, AMS, "nl") == "dinsdag 24 november"
    assert format_date(at, AMS, "en") == "Tuesday 24 November"
    assert format_date(at, AMS, "nl", with_year=True) == "dinsdag 24 november 2026"
    assert format_time(at, AMS, "nl") == "14:05"
    assert format_time(at, AMS, "en") == "14:05"


def test_summer_time_is_utc_plus_two() -> None:
    at = datetime(2026, 6, 16, 12, 0, tzinfo=UTC)
    assert format_when(at, AMS, "nl") == "dinsdag 16 juni om 14:00"
    assert format_when(at, AMS, "en") == "Tuesday 16 June at 14:00"


def test_autumn_dst_change_shows_the_repeated_hour_twice() -> None:
    # 25 October 2026: clocks go back from 03:00 CEST to 02:00 CET.
    before = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    after = before + timedelta(hours=1)
    assert format_when(before, AMS, "nl") == "zondag 25 oktober om 02:30"
    assert format_when(after, AMS, "nl") == "zondag 25 oktober om 02:30"
    assert format_when(after + timedelta(hours=1), AMS, "en") == "Sunday 25 October at 03:30"


def test_spring_dst_change_skips_an_hour() -> None:
    # 29 March 2026: clocks jump from 02:00 CET to 03:00 CEST.
    assert format_time(datetime(2026, 3, 29, 0, 59, tzinfo=UTC), AMS, "nl") == "01:59"
    assert format_time(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), AMS, "nl") == "03:00"


def test_day_label_follows_the_local_date_not_utc() -> None:
    late = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # already Wednesday in Amsterdam
    assert format_date(late, AMS, "nl") == "woensdag 25 november"
    assert format_date(late, "UTC", "nl") == "dinsdag 24 november"


def test_aware_non_utc_input_is_converted() -> None:
    ny = timezone(timedelta(hours=-5))
    at = datetime(2026, 11, 24, 8, 0, tzinfo=ny)  # 13:00 UTC
    assert format_when(at, AMS, "en") == "Tuesday 24 November at 14:00"


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError):
        format_when(datetime(2026, 11, 24, 13, 0), AMS, "nl")


def test_unknown_locale_formats_in_dutch() -> None:
    at = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
    assert format_when(at, AMS, "de") == "dinsdag 24 november om 14:00"
