"""Slack installation and OAuth state stores on vpbot's own tables (DESIGN.md §5).

slack_sdk's SQLAlchemy store keeps tokens in plain ``String(200)`` columns; this one encrypts
every token with the tenant key (bound to the installation row) and never stores user
tokens at all (vpbot asks for no user scopes).

Refresh tokens are single-use, so token rotation is serialised here, under a row lock on the
installation (``SELECT … FOR UPDATE`` on PostgreSQL, the single writer on SQLite): whoever
holds the lock rotates and saves; everyone after it reads the fresh token. Bolt's own rotation
check then finds nothing to do. Scheduled sends use the same lookup, so they rotate safely too.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta, timezone

from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import delete, or_, select

from vpbot.services import tenants
from vpbot.services.actor import SystemActor
from vpbot.services.uow import UnitOfWork, UnitOfWorkFactory
from vpbot.storage.models import Installation as InstallationRow
from vpbot.storage.models import OAuthState

log = logging.getLogger(__name__)

TABLE = "installations"
ROTATE_MINUTES_BEFORE_EXPIRY = 120
STATE_TTL = timedelta(minutes=10)


def tenant_external_id(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool) -> str:
    """The tenant key of a Slack install: the org for org-wide installs, else the workspace."""
    if is_enterprise_install:
        if not enterprise_id:
            raise ValueError("an org-wide install needs an enterprise id")
        return enterprise_id
    if not team_id:
        raise ValueError("a workspace install needs a team id")
    return team_id


class EncryptingInstallationStore(InstallationStore):
    """Bolt installation store: encrypted bot tokens, serialised token rotation."""

    def __init__(
        self,
        uows: UnitOfWorkFactory,
        rotator: TokenRotator | None = None,
        rotate_minutes_before_expiry: int = ROTATE_MINUTES_BEFORE_EXPIRY,
    ) -> None:
        self.uows = uows
        self.rotator = rotator
        self.rotate_window = rotate_minutes_before_expiry

    @property
    def logger(self) -> logging.Logger:
        return log

    # -- saving --------------------------------------------------------------------------

    def save(self, installation: Installation) -> None:
        """Store a (new or refreshed) installation; the installer becomes the first admin."""
        with self.uows() as uow:
            is_org = bool(installation.is_enterprise_install)
            tenant_id = tenants.register_tenant(
                uow, "slack",
                tenant_external_id(installation.enterprise_id, installation.team_id, is_org),
                is_enterprise=is_org,
            )
            row = self._row(uow, installation.enterprise_id, installation.team_id, is_org, lock=True)
            is_new = row is None
            if row is None:
                row = InstallationRow(
                    tenant_id=tenant_id,
                    platform="slack",
                    enterprise_id=installation.enterprise_id or "",
                    team_id="" if is_org else (installation.team_id or ""),
                    is_enterprise_install=is_org,
                    installed_at=uow.now,
                )
                uow.session.add(row)
                uow.session.flush()
            self._write_bot(uow, row, _bot_of(installation))
            if installation.user_id:
                installer = tenants.ensure_person(uow, tenant_id, installation.user_id)
                tenants.grant_first_admin(uow, tenant_id, installer.id)
            uow.audit(SystemActor("slack", tenant_id), "slack.installed" if is_new else "slack.install_updated",
                      "installation", row.id)
            uow.commit()

    def save_bot(self, bot: Bot) -> None:
        """Store bot credentials (Bolt calls this for bot-only saves)."""
        with self.uows() as uow:
            row = self._row(uow, bot.enterprise_id, bot.team_id, bool(bot.is_enterprise_install), lock=True)
            if row is None:
                log.warning("save_bot for an unknown installation ignored")
                return
            self._write_bot(uow, row, bot)
            uow.commit()

    def _write_bot(self, uow: UnitOfWork, row: InstallationRow, bot: Bot) -> None:
        row.app_id = bot.app_id
        row.bot_id = bot.bot_id
        row.bot_user_id = bot.bot_user_id
        row.bot_scopes = ",".join(bot.bot_scopes or [])
        row.bot_token_enc = self._seal(uow, row, "bot_token_enc", bot.bot_token)
        row.bot_refresh_token_enc = self._seal(uow, row, "bot_refresh_token_enc", bot.bot_refresh_token)
        row.bot_token_expires_at = (
            datetime.fromtimestamp(bot.bot_token_expires_at, timezone.utc) if bot.bot_token_expires_at else None
        )

    # -- finding -------------------------------------------------------------------------

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        """The bot for a workspace or org, rotated first if its token is about to expire."""
        with self.uows() as uow:
            row = self._row(uow, enterprise_id, team_id, bool(is_enterprise_install), lock=self.rotator is not None)
            if row is None or row.bot_token_enc is None:
                return None
            bot = self._read_bot(uow, row)
            if self.rotator is not None and bot.bot_refresh_token:
                refreshed = self.rotator.perform_bot_token_rotation(
                    bot=bot, minutes_before_expiration=self.rotate_window
                )
                if refreshed is not None:
                    self._write_bot(uow, row, refreshed)
                    uow.audit(SystemActor("slack", row.tenant_id), "slack.token_rotated", "installation", row.id)
                    uow.commit()
                    bot = refreshed
            return bot

    def find_bot_for_tenant(self, tenant_id: str) -> Bot | None:
        """The bot of a vpbot tenant, for scheduled sends; rotated like :meth:`find_bot`.

        The tenant's installation row says whether it is an org-wide install (keyed by the
        enterprise id) or a workspace one (keyed by the team, inside an org or not).
        """
        with self.uows() as uow:
            row = uow.session.scalars(
                select(InstallationRow)
                .where(InstallationRow.platform == "slack", InstallationRow.tenant_id == tenant_id)
                .order_by(InstallationRow.is_enterprise_install.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            enterprise_id, team_id, is_org = row.enterprise_id or None, row.team_id or None, row.is_enterprise_install
        return self.find_bot(enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_org)

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The installation (bot part only: vpbot stores no user tokens)."""
        bot = self.find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        if bot is None:
            return None
        return Installation(
            app_id=bot.app_id,
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
            bot_refresh_token=bot.bot_refresh_token,
            bot_token_expires_at=bot.bot_token_expires_at,
            user_id=user_id or "",
            is_enterprise_install=bot.is_enterprise_install,
        )

    # -- deleting (uninstall, tokens_revoked) ---------------------------------------------

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Delete the bot tokens of a workspace/org at once."""
        self.delete_all(enterprise_id=enterprise_id, team_id=team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """Delete an installation (vpbot keeps no per-user installations)."""
        if user_id is None:
            self.delete_all(enterprise_id=enterprise_id, team_id=team_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Delete every stored token of a workspace/org."""
        with self.uows() as uow:
            query = delete(InstallationRow).where(
                InstallationRow.platform == "slack", InstallationRow.enterprise_id == (enterprise_id or "")
            )
            if team_id:
                query = query.where(InstallationRow.team_id == team_id)
            uow.session.execute(query)
            uow.commit()

    # -- helpers -------------------------------------------------------------------------

    def _row(
        self, uow: UnitOfWork, enterprise_id: str | None, team_id: str | None, is_org: bool, *, lock: bool
    ) -> InstallationRow | None:
        query = select(InstallationRow).where(
            InstallationRow.platform == "slack", InstallationRow.enterprise_id == (enterprise_id or "")
        )
        if is_org:
            query = query.where(InstallationRow.is_enterprise_install.is_(True))
        else:
            # A workspace in an org where the app was installed org-wide uses the org's row.
            query = query.where(
                or_(InstallationRow.team_id == (team_id or ""), InstallationRow.is_enterprise_install.is_(True))
            ).order_by(InstallationRow.is_enterprise_install)
        if lock:
            query = query.with_for_update()
        return uow.session.scalars(query.limit(1)).first()

    def _seal(self, uow: UnitOfWork, row: InstallationRow, column: str, token: str | None) -> bytes | None:
        if not token:
            return None
        return uow.keys.encrypt_field(row.tenant_id, TABLE, column, row.id, token)

    def _open(self, uow: UnitOfWork, row: InstallationRow, column: str, blob: bytes | None) -> str | None:
        if blob is None:
            return None
        return uow.keys.decrypt_field(row.tenant_id, TABLE, column, row.id, blob)

    def _read_bot(self, uow: UnitOfWork, row: InstallationRow) -> Bot:
        expires = row.bot_token_expires_at
        return Bot(
            app_id=row.app_id,
            enterprise_id=row.enterprise_id or None,
            team_id=row.team_id or None,
            bot_token=self._open(uow, row, "bot_token_enc", row.bot_token_enc) or "",
            bot_refresh_token=self._open(uow, row, "bot_refresh_token_enc", row.bot_refresh_token_enc),
            bot_token_expires_at=int(expires.timestamp()) if expires else None,
            bot_id=row.bot_id or "",
            bot_user_id=row.bot_user_id or "",
            bot_scopes=row.bot_scopes.split(",") if row.bot_scopes else [],
            is_enterprise_install=row.is_enterprise_install,
            installed_at=row.installed_at.timestamp(),
        )


def _bot_of(installation: Installation) -> Bot:
    bot = installation.to_bot()
    if bot is None:  # pragma: no cover - Bolt only saves installations with a bot
        raise ValueError("installation without a bot token")
    return bot


class DatabaseOAuthStateStore(OAuthStateStore):
    """Single-use OAuth ``state`` values, kept in the database for ten minutes."""

    def __init__(self, uows: UnitOfWorkFactory, ttl: timedelta = STATE_TTL) -> None:
        self.uows = uows
        self.ttl = ttl

    @property
    def logger(self) -> logging.Logger:
        return log

    def issue(self, *args: object, **kwargs: object) -> str:
        state = secrets.token_urlsafe(32)
        with self.uows() as uow:
            uow.session.add(OAuthState(state=state, created_at=uow.now, expires_at=uow.now + self.ttl))
            uow.commit()
        return state

    def consume(self, state: str) -> bool:
        if not state or len(state) > 64:
            return False
        with self.uows() as uow:
            result = uow.session.execute(
                delete(OAuthState).where(OAuthState.state == state, OAuthState.expires_at > uow.now)
            )
            # Expired states are cleaned up on the way.
            uow.session.execute(delete(OAuthState).where(OAuthState.expires_at <= uow.now))
            uow.commit()
            return bool(result.rowcount)
