"""Configuration: one settings object read from the environment and validated at start.

Every problem is reported as a :class:`ConfigError` whose message is one line naming the
variable and what is expected; the CLI prints it and exits with code 2. Secret values are
never echoed back in a message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vpbot.storage.urls import is_in_memory_sqlite

DEFAULT_DATABASE_URL = "sqlite:///vpbot.db"
DEFAULT_DEV_KEY_FILE = "vpbot-dev.key"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(ValueError):
    """A configuration value is missing or wrong; the message is one line for the operator."""


@dataclass(frozen=True)
class SlackSettings:
    """Slack app credentials (Bolt's variable names)."""

    signing_secret: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    bot_token: str | None = None
    app_token: str | None = None
    api_url: str | None = None

    @property
    def configured(self) -> bool:
        """Whether any Slack mode (OAuth, single workspace or Socket Mode) is set up."""
        return bool(self.client_id or self.bot_token)

    @property
    def oauth(self) -> bool:
        """Multi-workspace install through OAuth v2."""
        return bool(self.client_id)

    @property
    def socket_mode_available(self) -> bool:
        """Socket Mode needs an app-level token."""
        return bool(self.app_token)


@dataclass(frozen=True)
class TeamsSettings:
    """Microsoft Teams bot credentials and cloud endpoints (overridable for sovereign clouds)."""

    app_id: str | None = None
    app_secret: str | None = None
    certificate_path: str | None = None
    certificate_thumbprint: str | None = None
    tenant_id: str | None = None
    login_url: str = "https://login.microsoftonline.com"
    openid_metadata_url: str = "https://login.botframework.com/v1/.well-known/openidconfiguration"
    token_issuer: str = "https://api.botframework.com"
    bot_scope: str = "https://api.botframework.com/.default"

    @property
    def configured(self) -> bool:
        """Whether a Teams bot is set up."""
        return bool(self.app_id)


@dataclass(frozen=True)
class Settings:
    """Everything vpbot reads from its environment."""

    database_url: str = DEFAULT_DATABASE_URL
    master_key: str | None = None
    master_key_file: str | None = None
    host: str = "127.0.0.1"
    port: int = 3000
    base_url: str | None = None
    log_level: str = "INFO"
    sdk_log_level: str = "INFO"
    default_timezone: str = "Europe/Amsterdam"
    slack: SlackSettings = field(default_factory=SlackSettings)
    teams: TeamsSettings = field(default_factory=TeamsSettings)

    @property
    def uses_dev_key(self) -> bool:
        """True when no master key is configured and a development key file is used."""
        return self.master_key is None and self.master_key_file is None

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is SQLite (the embedded default)."""
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate settings; raises :class:`ConfigError` on the first problem."""
        return _Reader(os.environ if env is None else env).settings()


_SLACK_TOKEN = re.compile(r"^xox[bp]-[A-Za-z0-9-]+$")
_APP_TOKEN = re.compile(r"^xapp-[A-Za-z0-9-]+$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


class _Reader:
    """Reads one environment mapping; small methods, one per concern."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def get(self, name: str) -> str | None:
        value = self.env.get(name)
        if value is None:
            return None
        value = value.strip()
        return value or None

    def url(self, name: str, default: str | None = None) -> str | None:
        value = self.get(name) or default
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"{name} must be an http(s) URL such as https://example.org (got {value!r})")
        return value

    def choice(self, name: str, default: str, allowed: tuple[str, ...]) -> str:
        value = (self.get(name) or default).upper()
        if value not in allowed:
            raise ConfigError(f"{name} must be one of {', '.join(allowed)} (got {value!r})")
        return value

    def settings(self) -> Settings:
        return Settings(
            database_url=self.database_url(),
            master_key=self.get("VPBOT_MASTER_KEY"),
            master_key_file=self.master_key_file(),
            host=self.get("VPBOT_HOST") or "127.0.0.1",
            port=self.port(),
            base_url=self.url("VPBOT_BASE_URL"),
            log_level=self.choice("VPBOT_LOG_LEVEL", "INFO", LOG_LEVELS),
            sdk_log_level=self.choice("VPBOT_SDK_LOG_LEVEL", "INFO", LOG_LEVELS),
            default_timezone=self.timezone(),
            slack=self.slack(),
            teams=self.teams(),
        )

    def database_url(self) -> str:
        value = self.get("VPBOT_DATABASE_URL") or DEFAULT_DATABASE_URL
        if value.startswith("postgres://") or value.startswith("postgresql://"):
            # psycopg 3 is the driver we ship; plain URLs would ask for psycopg2.
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        if not (value.startswith("sqlite") or value.startswith("postgresql+psycopg://")):
            raise ConfigError(
                "VPBOT_DATABASE_URL must be sqlite:///path/to/file.db or "
                "postgresql+psycopg://user@host:5432/dbname"
            )
        if is_in_memory_sqlite(value):
            raise ConfigError(
                "VPBOT_DATABASE_URL names an in-memory SQLite database, which the server's threads "
                "would not share and which loses everything at exit: use sqlite:///path/to/file.db"
            )
        return value

    def master_key_file(self) -> str | None:
        value = self.get("VPBOT_MASTER_KEY_FILE")
        if value is not None and self.get("VPBOT_MASTER_KEY") is not None:
            raise ConfigError("set either VPBOT_MASTER_KEY or VPBOT_MASTER_KEY_FILE, not both")
        if value is not None and not Path(value).is_file():
            raise ConfigError(f"VPBOT_MASTER_KEY_FILE must name an existing file (got {value!r})")
        return value

    def port(self) -> int:
        raw = self.get("VPBOT_PORT") or "3000"
        if not raw.isdigit() or not 0 <= int(raw) <= 65535:
            raise ConfigError(f"VPBOT_PORT must be a number from 0 to 65535 (got {raw!r})")
        return int(raw)

    def timezone(self) -> str:
        value = self.get("VPBOT_TIMEZONE") or "Europe/Amsterdam"
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"VPBOT_TIMEZONE must be an IANA time zone such as Europe/Amsterdam (got {value!r})"
            ) from None
        return value

    def slack(self) -> SlackSettings:
        s = SlackSettings(
            signing_secret=self.get("SLACK_SIGNING_SECRET"),
            client_id=self.get("SLACK_CLIENT_ID"),
            client_secret=self.get("SLACK_CLIENT_SECRET"),
            bot_token=self.get("SLACK_BOT_TOKEN"),
            app_token=self.get("SLACK_APP_TOKEN"),
            api_url=self.slack_api_url(),
        )
        if s.bot_token and not _SLACK_TOKEN.match(s.bot_token):
            raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
        if s.app_token and not _APP_TOKEN.match(s.app_token):
            raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
        if s.client_id and s.bot_token:
            raise ConfigError(
                "set SLACK_CLIENT_ID (install in many workspaces) or SLACK_BOT_TOKEN "
                "(one workspace), not both"
            )
        if s.client_id and not s.client_secret:
            raise ConfigError("SLACK_CLIENT_SECRET is required when SLACK_CLIENT_ID is set")
        if s.app_token and not s.bot_token:
            raise ConfigError("SLACK_BOT_TOKEN is required with SLACK_APP_TOKEN (Socket Mode)")
        if s.configured and not s.signing_secret and not s.app_token:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is required to verify requests from Slack "
                "(find it under Basic Information in your Slack app)"
            )
        return s

    def slack_api_url(self) -> str | None:
        value = self.url("SLACK_API_URL")
        if value is not None and not value.endswith("/"):
            value += "/"  # slack_sdk joins method names onto the base URL
        return value

    def teams(self) -> TeamsSettings:
        defaults = TeamsSettings()
        t = TeamsSettings(
            app_id=self.get("VPBOT_TEAMS_APP_ID"),
            app_secret=self.get("VPBOT_TEAMS_APP_SECRET"),
            certificate_path=self.get("VPBOT_TEAMS_CERTIFICATE_PATH"),
            certificate_thumbprint=self.get("VPBOT_TEAMS_CERTIFICATE_THUMBPRINT"),
            tenant_id=self.get("VPBOT_TEAMS_TENANT_ID"),
            login_url=self.url("VPBOT_TEAMS_LOGIN_URL", defaults.login_url) or defaults.login_url,
            openid_metadata_url=self.url(
                "VPBOT_TEAMS_OPENID_METADATA_URL", defaults.openid_metadata_url
            )
            or defaults.openid_metadata_url,
            token_issuer=self.get("VPBOT_TEAMS_TOKEN_ISSUER") or defaults.token_issuer,
            bot_scope=self.get("VPBOT_TEAMS_BOT_SCOPE") or defaults.bot_scope,
        )
        if not t.app_id:
            return t
        if not _GUID.match(t.app_id):
            raise ConfigError("VPBOT_TEAMS_APP_ID must be the bot's Microsoft App ID (a GUID)")
        if not t.tenant_id or not _GUID.match(t.tenant_id):
            raise ConfigError(
                "VPBOT_TEAMS_TENANT_ID must be the home tenant id (a GUID) of the bot registration"
            )
        if not t.app_secret and not t.certificate_path:
            raise ConfigError(
                "VPBOT_TEAMS_APP_SECRET or VPBOT_TEAMS_CERTIFICATE_PATH is required "
                "with VPBOT_TEAMS_APP_ID"
            )
        if t.certificate_path:
            if not Path(t.certificate_path).is_file():
                raise ConfigError("VPBOT_TEAMS_CERTIFICATE_PATH must name an existing PEM file")
            if not t.certificate_thumbprint:
                raise ConfigError(
                    "VPBOT_TEAMS_CERTIFICATE_THUMBPRINT is required with VPBOT_TEAMS_CERTIFICATE_PATH"
                )
        return t
