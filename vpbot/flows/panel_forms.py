"""Reading submitted forms and clicked buttons for the adviser and admin panels."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from vpbot.domain.errors import DomainError, NotFound
from vpbot.flows.core import FieldError, FlowContext, Interaction, Outcome
from vpbot.services import tenants
from vpbot.storage.models import Person
from vpbot.ui.text import Msg

__all__ = [
    "checked",
    "choice",
    "chosen",
    "clicked_id",
    "display_name",
    "invalid",
    "metadata_id",
    "parse_int",
    "parse_weeks",
    "platform_id",
    "text",
]

T = TypeVar("T")
_INT_RE = re.compile(r"^\s*\d{1,6}\s*$")
_WHOLE_SCREEN = frozenset({"not_found", "auth.forbidden"})
_NONE_WORDS = frozenset({"", "geen", "none", "-"})


def text(values: Mapping[str, Any], field_id: str) -> str:
    """A submitted text input, stripped; ``""`` when left empty."""
    value = values.get(field_id)
    return value.strip() if isinstance(value, str) else ""


def choice(values: Mapping[str, Any], field_id: str) -> str | None:
    """A submitted select's value, or None."""
    value = values.get(field_id)
    return value if isinstance(value, str) and value else None


def chosen(values: Mapping[str, Any], field_id: str) -> list[str]:
    """The ticked values of a checkbox group."""
    value = values.get(field_id)
    return [v for v in value if isinstance(v, str)] if isinstance(value, (list, tuple)) else []


def clicked_id(interaction: Interaction) -> str:
    """The id a button carries as its value; ``not_found`` when there is none."""
    if not isinstance(interaction.value, str) or not interaction.value:
        raise NotFound()
    return interaction.value


def metadata_id(interaction: Interaction, name: str) -> str:
    """An id the screen carried in its private metadata; ``not_found`` when missing."""
    value = interaction.metadata.get(name)
    if not isinstance(value, str) or not value:
        raise NotFound()
    return value


def invalid(field_id: str, key: str, **params: int) -> Outcome:
    """An inline error next to one field (nothing was changed)."""
    return Outcome(errors={field_id: Msg(key, params)})


def checked(field_id: str, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``call(*args, **kwargs)``; a domain error it raises is shown next to ``field_id``.

    "Not found" and "not allowed" are about the whole screen, not a field: they pass through.
    """
    try:
        return call(*args, **kwargs)
    except FieldError:
        raise
    except DomainError as error:
        if error.key in _WHOLE_SCREEN:
            raise
        raise FieldError(field_id, error) from None


def parse_int(value: str) -> int | None:
    """A whole number typed into a text input, or None."""
    return int(value) if _INT_RE.fullmatch(value) else None


def parse_weeks(value: str) -> tuple[int, ...] | None:
    """Parse weeks: "2, 6, 12" -> (2, 6, 12); "" or "geen" / "none" -> (); None for anything else."""
    if value.strip().lower() in _NONE_WORDS:
        return ()
    parts = [part for part in re.split(r"[,;\s]+", value.strip()) if part]
    numbers = [parse_int(part) for part in parts]
    if any(n is None for n in numbers):
        return None
    return tuple(n for n in numbers if n is not None)


def platform_id(context: FlowContext, person_id: str) -> str | None:
    """The platform user id of a person of the actor's tenant (decrypted), or None."""
    person = context.uow.session.get(Person, person_id)
    if person is None or person.tenant_id != context.actor.tenant_id:
        return None
    return tenants.platform_user_id(context.uow, person)


def display_name(context: FlowContext, person_id: str | None) -> str | None:
    """What the platform calls a person, looked up now (names are never stored)."""
    user_id = platform_id(context, person_id) if person_id else None
    return context.directory.user_facts(user_id).display_name if user_id else None
