"""Configuration is validated at start with one clear line naming the variable."""

from __future__ import annotations

import pytest

from vpbot.settings import ConfigError, Settings

GUID = "8f2c6a0e-1b2d-4c3e-9f4a-5b6c7d8e9f00"


def test_no_configuration_at_all_gives_the_embedded_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///vpbot.db"
    assert (settings.host, settings.port) == ("127.0.0.1", 3000)
    assert settings.uses_dev_key
    assert not settings.slack.configured and not settings.teams.configured


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"VPBOT_PORT": "abc"}, "VPBOT_PORT"),
        ({"VPBOT_PORT": "70000"}, "VPBOT_PORT"),
        ({"VPBOT_DATABASE_URL": "mysql://x"}, "VPBOT_DATABASE_URL"),
        ({"VPBOT_DATABASE_URL": "sqlite://"}, "VPBOT_DATABASE_URL"),  # in memory: lost at exit,
        ({"VPBOT_DATABASE_URL": "sqlite:///:memory:"}, "VPBOT_DATABASE_URL"),  # and not shared by threads
        ({"VPBOT_DATABASE_URL": "sqlite:///file:vp?mode=memory&uri=true"}, "VPBOT_DATABASE_URL"),
        ({"VPBOT_DATABASE_URL": "sqlite:///file::memory:?cache=shared&uri=true"}, "VPBOT_DATABASE_URL"),
        ({"VPBOT_LOG_LEVEL": "chatty"}, "VPBOT_LOG_LEVEL"),
        ({"VPBOT_TIMEZONE": "Mars/Olympus"}, "VPBOT_TIMEZONE"),
        ({"VPBOT_BASE_URL": "not a url"}, "VPBOT_BASE_URL"),
        ({"VPBOT_MASTER_KEY_FILE": "/nonexistent/key"}, "VPBOT_MASTER_KEY_FILE"),
        ({"SLACK_CLIENT_ID": "1.2"}, "SLACK_CLIENT_SECRET"),
        ({"SLACK_BOT_TOKEN": "xoxb-1-2"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "hello", "SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_API_URL": "ftp://x"}, "SLACK_API_URL"),
        ({"VPBOT_TEAMS_APP_ID": "nope"}, "VPBOT_TEAMS_APP_ID"),
        ({"VPBOT_TEAMS_APP_ID": GUID}, "VPBOT_TEAMS_TENANT_ID"),
        ({"VPBOT_TEAMS_APP_ID": GUID, "VPBOT_TEAMS_TENANT_ID": GUID}, "VPBOT_TEAMS_APP_SECRET"),
    ],
)
def test_a_bad_value_names_the_variable_in_one_line(env: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError) as error:
        Settings.from_env(env)
    message = str(error.value)
    assert names in message
    assert "\n" not in message


def test_secrets_are_never_echoed_in_an_error() -> None:
    with pytest.raises(ConfigError) as error:
        Settings.from_env({"SLACK_BOT_TOKEN": "not-a-token-SECRET123", "SLACK_SIGNING_SECRET": "s"})
    assert "SECRET123" not in str(error.value)


def test_slack_modes_and_api_url() -> None:
    oauth = Settings.from_env(
        {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c", "SLACK_SIGNING_SECRET": "s",
         "SLACK_API_URL": "http://127.0.0.1:9/api"}
    )
    assert oauth.slack.oauth and oauth.slack.configured
    assert oauth.slack.api_url == "http://127.0.0.1:9/api/"
    socket = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1-2", "SLACK_APP_TOKEN": "xapp-1-A"})
    assert socket.slack.socket_mode_available and not socket.slack.oauth


def test_plain_postgres_urls_get_the_psycopg3_driver() -> None:
    settings = Settings.from_env({"VPBOT_DATABASE_URL": "postgresql://u@h/db"})
    assert settings.database_url == "postgresql+psycopg://u@h/db"


def test_teams_with_secret_is_configured() -> None:
    settings = Settings.from_env(
        {"VPBOT_TEAMS_APP_ID": GUID, "VPBOT_TEAMS_TENANT_ID": GUID, "VPBOT_TEAMS_APP_SECRET": "x",
         "VPBOT_TEAMS_OPENID_METADATA_URL": "http://127.0.0.1:1/openid"}
    )
    assert settings.teams.configured
    assert settings.teams.openid_metadata_url == "http://127.0.0.1:1/openid"
