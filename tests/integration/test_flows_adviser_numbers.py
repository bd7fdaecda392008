"""An adviser's own numbers in their panel: caseload, open cases, check-ins due — exact,
their own cases only, with no content and no one's identity."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import Engine, select

from tests.support.booking import FIRST_SLOT, add_adviser, make_world
from tests.support.casedata import close
from tests.support.flows import TENANT
from tests.support.panels import FakeDirectory, PanelDriver, buttons, rendered
from vpbot.flows.core import UserFacts
from vpbot.services import booking
from vpbot.storage.models import Case
from vpbot.ui.actions import ActionId
from vpbot.ui.screens import Text
from vpbot.ui.views.adviser import PANEL
from vpbot.ui.views.adviser_numbers import NUMBERS

ADVISER, OTHER = "U_ADVISER", "U_BRAM"


def test_an_adviser_sees_their_own_numbers_and_nothing_else(engine: Engine) -> None:
    world = make_world(engine, external_id=TENANT)
    _other, other_id = add_adviser(world.make, world.tenant_id, world.admin, OTHER, name="Bram Jansen")
    marker = "CANARY-" + secrets.token_hex(6)
    slots = iter(world.run(booking.free_slots, world.person("U_E0"), world.adviser_id))
    for n in range(3):
        world.run(booking.book, world.person(f"U_E{n}"), world.adviser_id, next(slots).starts_at, "video",
                  None, f"{marker} {n}")
    world.run(booking.book, world.person("U_E9"), other_id, FIRST_SLOT, "phone", None, marker)
    with world.make() as uow:
        first = uow.session.scalars(
            select(Case).where(Case.adviser_id == world.adviser_id).order_by(Case.opened_at, Case.id)
        ).first()
        assert first is not None
        close(uow, first, weeks=(2, 6))  # check-ins in 2 and 6 weeks: one within four weeks
        uow.commit()
    driver = PanelDriver(engine, FakeDirectory({ADVISER: UserFacts("Anne de Vries")}))

    panel = driver.screen(ADVISER, ActionId.OPEN_ADVISER, in_modal=False)
    assert panel.id == PANEL and (ActionId.ADVISER_NUMBERS, None) in {(b.action_id, b.value) for b in buttons(panel)}
    numbers = driver.screen(ADVISER, ActionId.ADVISER_NUMBERS)
    assert numbers.id == NUMBERS
    text = rendered(numbers)
    assert "Meldingen dit jaar: 3" in text and "Open meldingen: 2" in text
    assert "binnen 4 weken komen: 1" in text
    assert "Nieuwe meldingen: K1 0 · K2 0 · K3 3 · K4 0 · Totaal 3" in text  # exact: no "<5"
    assert "Cases this year: 3" in text
    assert marker not in text and "Bram" not in text

    # Four weeks on, the second check-in is due soon too (the first is still unanswered).
    driver.uows.clock.advance(timedelta(weeks=4))
    assert "binnen 4 weken komen: 2" in rendered(driver.screen(ADVISER, ActionId.ADVISER_NUMBERS))
    # The other adviser sees only their own case; an employee sees nothing.
    assert "Meldingen dit jaar: 1" in rendered(driver.screen(OTHER, ActionId.ADVISER_NUMBERS))
    refused = driver.screen("U_E0", ActionId.ADVISER_NUMBERS)
    assert refused.id != NUMBERS and [b.key for b in refused.blocks if isinstance(b, Text)] == ["error.auth.forbidden"]
