"""A tenant with an admin and an adviser ready to be booked, for booking and admin tests.

The adviser works Monday to Friday 09:00-17:00 Amsterdam time with the default policy
(45-minute slots, 15 minutes buffer, 2 hours' notice, 8 weeks ahead), so at ``T0``
(Monday 7 September 2026, 10:00 in Amsterdam) the first free slot is 12:00 local, 10:00Z.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TypeVar

import pytest
from sqlalchemy import Engine

from tests.support.core import uow_factory
from vpbot.domain.booking import MeetingModes
from vpbot.domain.errors import DomainError
from vpbot.services import admin, advisers, tenants
from vpbot.services.actor import Actor
from vpbot.services.uow import UnitOfWorkFactory

UTC = timezone.utc
WORKDAYS = [(day, "09:00", "17:00") for day in range(5)]
ALL_MODES = MeetingModes(location="Kamer 2.14", phone="+31 20 123 4567", video_link="https://meet.example.org/vp")
# Monday 7 September 2026 12:00 and 13:00 Amsterdam (CEST): the first two free slots at T0.
FIRST_SLOT = datetime(2026, 9, 7, 10, 0, tzinfo=UTC)
SECOND_SLOT = datetime(2026, 9, 7, 11, 0, tzinfo=UTC)

T = TypeVar("T")


@dataclass(frozen=True)
class World:
    """One tenant: its unit-of-work factory, an admin and one bookable adviser."""

    make: UnitOfWorkFactory
    tenant_id: str
    admin: Actor
    adviser: Actor
    adviser_id: str

    def run(self, call: Callable[..., T], *args: object, **kwargs: object) -> T:
        """``call(uow, *args, **kwargs)`` in its own unit of work, committed."""
        with self.make() as uow:
            result = call(uow, *args, **kwargs)
            uow.commit()
        return result

    def error(self, call: Callable[..., object], *args: object, **kwargs: object) -> DomainError:
        """The DomainError that ``call(uow, *args, **kwargs)`` raises (nothing is committed)."""
        with self.make() as uow, pytest.raises(DomainError) as caught:
            call(uow, *args, **kwargs)
        return caught.value

    def person(self, user_id: str, **facts: object) -> Actor:
        """The actor for a platform user of this tenant (created and committed on first use)."""
        with self.make() as uow:
            actor = tenants.identify(uow, self.tenant_id, user_id, **facts)
            uow.commit()
        return actor


def add_adviser(
    make: UnitOfWorkFactory,
    tenant_id: str,
    admin_actor: Actor,
    user_id: str,
    *,
    name: str,
    windows: Sequence[tuple[int, str, str]] = WORKDAYS,
    modes: MeetingModes = ALL_MODES,
    **profile: object,
) -> tuple[Actor, str]:
    """Appoint ``user_id`` as an adviser with ``windows`` and ``modes``; (actor, adviser id)."""
    with make() as uow:
        person = tenants.ensure_person(uow, tenant_id, user_id)
        result = admin.appoint_adviser(uow, admin_actor, person.id, display_name=name)
        actor = tenants.actor_for(uow, person)
        advisers.update_profile(uow, actor, modes=modes, **profile)  # type: ignore[arg-type]
        advisers.set_weekly_availability(uow, actor, windows)
        uow.commit()
    return actor, result.adviser_id


def make_world(engine: Engine, *, external_id: str = "T-BOOK", make: UnitOfWorkFactory | None = None) -> World:
    """A tenant with an admin (``U_ADMIN``) and an adviser (``U_ADVISER``, "Anne de Vries")."""
    make = make or uow_factory(engine)
    with make() as uow:
        tenant_id = tenants.register_tenant(uow, "slack", external_id)
        installer = tenants.identify(uow, tenant_id, "U_ADMIN")
        tenants.grant_first_admin(uow, tenant_id, installer.person_id)
        admin_actor = tenants.identify(uow, tenant_id, "U_ADMIN")
        uow.commit()
    adviser, adviser_id = add_adviser(make, tenant_id, admin_actor, "U_ADVISER", name="Anne de Vries")
    return World(make, tenant_id, admin_actor, adviser, adviser_id)


def run_together(calls: Sequence[Callable[[], T]], timeout: float = 60.0) -> list[T | BaseException]:
    """Run ``calls`` in threads released at once by a barrier; results or exceptions, in order."""
    barrier = threading.Barrier(len(calls))
    results: list[T | BaseException | None] = [None] * len(calls)

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout)
            results[index] = calls[index]()
        except BaseException as exc:  # noqa: BLE001 - reported to the test, not swallowed
            results[index] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a racing thread did not finish"
    return results  # type: ignore[return-value]
