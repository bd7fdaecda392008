"""Small helpers the employee's handlers share: reading ids from buttons, metadata and forms.

Button values and private metadata come back from the platform; they are treated as
untrusted identifiers. Anything malformed is ``not_found`` — the services check ownership.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from vpbot.domain.errors import DomainError, NotFound
from vpbot.flows.core import FieldError
from vpbot.ui.notifications import ObjectRef, ObjectType
from vpbot.ui.views.employee_common import parse_stamp

__all__ = ["field_errors", "metadata_id", "metadata_time", "ref_id", "text_value"]


def ref_id(value: str | None, expected: ObjectType) -> str:
    """The object id in a button value: a ref token ``"<type>:<id>"`` or a bare id."""
    if not value:
        raise NotFound()
    try:
        ref = ObjectRef.parse(value) if ":" in value else ObjectRef(expected, value)
    except (TypeError, ValueError):
        raise NotFound() from None
    if ref.type is not expected:
        raise NotFound()
    return ref.id


def metadata_id(metadata: Mapping[str, Any], name: str) -> str:
    """An id the screen carried in its private metadata; ``not_found`` if missing."""
    value = metadata.get(name)
    if not isinstance(value, str) or not value:
        raise NotFound()
    return value


def metadata_time(metadata: Mapping[str, Any], name: str = "start") -> datetime:
    """A moment the screen carried (see :func:`~vpbot.ui.views.employee_common.stamp`)."""
    moment = parse_stamp(metadata.get(name))
    if moment is None:
        raise NotFound()
    return moment


def text_value(values: Mapping[str, Any], field: str) -> str | None:
    """A submitted single value (text or select), None when left empty."""
    value = values.get(field)
    return value if isinstance(value, str) and value != "" else None


def field_errors(error: DomainError, fields: Mapping[str, str]) -> DomainError:
    """``error`` as an inline error next to the field its key belongs to, if any.

    ``fields`` maps an error key (or ``"<key>:<field param>"``) to a field id.
    """
    field_param = error.params.get("field")
    field = fields.get(f"{error.key}:{field_param}") or fields.get(error.key)
    return FieldError(field, error) if field is not None else error
