"""The App Home tab's content for one person (platform-neutral; Slack publishes it).

Looking at the Home tab creates nothing: someone vpbot does not know yet, or a workspace
that never used it, gets the plain employee version. An active adviser also sees their
upcoming appointments and open cases — as moments and references only (see
:mod:`vpbot.ui.views.home_tab`); the buttons lead to the adviser flows, which open the
content in a modal.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpbot.domain.tenant import TenantSettings
from vpbot.flows.adviser_common import is_adviser
from vpbot.services import booking, cases, tenants
from vpbot.services.actor import Actor, Role
from vpbot.services.uow import UnitOfWork, UnitOfWorkFactory
from vpbot.ui.screens import Screen
from vpbot.ui.views.home_tab import AdviserOverview, HomeAppointment, HomeCase, home_tab_screen

__all__ = ["HomeTab", "home_tab"]


@dataclass(frozen=True)
class HomeTab:
    """The screen, and the language and time zone to render it in."""

    screen: Screen
    locale: str
    timezone: str


def home_tab(uows: UnitOfWorkFactory, platform: str, tenant_external_id: str, user_id: str) -> HomeTab:
    """The Home tab for ``user_id`` in a workspace (read only: the transaction is not committed)."""
    with uows() as uow:
        tenant = tenants.find_tenant(uow, platform, tenant_external_id)
        if tenant is None:
            defaults = TenantSettings()
            return HomeTab(home_tab_screen(), defaults.language, defaults.timezone)
        actor = tenants.find_actor(uow, tenant.id, user_id)
        if actor is None:
            settings = tenants.tenant_settings(uow, tenant.id)
            return HomeTab(home_tab_screen(), settings.language, settings.timezone)
        overview = _adviser_overview(uow, actor) if is_adviser(actor) else None
        screen = home_tab_screen(is_admin=actor.has(Role.ADMIN), adviser=overview)
        return HomeTab(screen, actor.locale, actor.timezone)


def _adviser_overview(uow: UnitOfWork, actor: Actor) -> AdviserOverview:
    """Upcoming appointments and open cases, reduced to moments and references."""
    appointments = [
        HomeAppointment(a.appointment_id, a.starts_at, a.case_reference or None)
        for a in booking.adviser_appointments(uow, actor)
    ]
    open_cases = [HomeCase(c.id, c.reference) for c in cases.adviser_cases(uow, actor, status="open")]
    return AdviserOverview(appointments, open_cases)
