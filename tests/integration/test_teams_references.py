"""A Teams user's conversation reference is written when it changes, not on every activity."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, event, select

from plugins.teams.references import find_reference, save_reference
from tests.support.core import uow_factory
from vpbot.services import tenants
from vpbot.storage.models import ConversationRef

EMEA = "https://smba.trafficmanager.net/emea/"
AMER = "https://smba.trafficmanager.net/amer/"


def test_an_activity_with_nothing_new_writes_nothing(engine: Engine) -> None:
    make = uow_factory(engine)
    with make() as uow:
        tenant_id = tenants.register_tenant(uow, "teams", "tenant-refs")
        person_id = tenants.ensure_person(uow, tenant_id, "29:1-refs").id
        save_reference(uow, tenant_id, person_id, EMEA, "a:1-chat")
        uow.commit()
        first_update = find_reference(uow, person_id).updated_at  # type: ignore[union-attr]

    make.clock.advance(timedelta(hours=1))
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        with make() as uow:
            save_reference(uow, tenant_id, person_id, EMEA)
            uow.commit()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert not [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]

    with make() as uow:  # Teams moved the tenant: the newest service URL wins
        save_reference(uow, tenant_id, person_id, AMER)
        uow.commit()
    with make() as uow:
        row = uow.session.scalars(select(ConversationRef)).one()
        assert row.service_url == AMER
        assert row.conversation_id_enc is not None
        assert row.updated_at.replace(tzinfo=None) > first_update.replace(tzinfo=None)
