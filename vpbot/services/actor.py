"""Who is acting: an employee, adviser or admin within one tenant (DESIGN.md C5)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from vpbot.domain.errors import DomainError


class Role(enum.StrEnum):
    """Roles. Everyone is an employee; adviser and admin are granted."""

    EMPLOYEE = "employee"
    ADVISER = "adviser"
    ADMIN = "admin"


@dataclass(frozen=True)
class Actor:
    """A person acting in a tenant, with their roles resolved for this request."""

    tenant_id: str
    person_id: str
    roles: frozenset[Role] = frozenset({Role.EMPLOYEE})
    adviser_id: str | None = None
    locale: str = "nl"
    timezone: str = "Europe/Amsterdam"

    def has(self, role: Role) -> bool:
        """Whether the actor holds ``role``."""
        return role in self.roles

    def require(self, role: Role) -> None:
        """Raise ``auth.forbidden`` (naming the role) unless the actor holds ``role``."""
        if role not in self.roles:
            raise DomainError("auth.forbidden", role=role.value)

    def require_adviser(self) -> str:
        """The actor's adviser id; ``auth.forbidden`` if they are not an active adviser."""
        self.require(Role.ADVISER)
        if self.adviser_id is None:
            raise DomainError("auth.forbidden", role=Role.ADVISER.value)
        return self.adviser_id


@dataclass(frozen=True)
class SystemActor:
    """The dispatcher, retention job or CLI acting on behalf of no person."""

    name: str = "system"
    tenant_id: str | None = None
