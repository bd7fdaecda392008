"""Typed views of inbound activities, through the Teams SDK's models.

The HTTP route hands handlers the activity as a plain dict (so unknown types still reach
them and are answered 200, never 500). A handler that wants the SDK's typed model asks
:func:`typed_activity`, which answers ``None`` for types, invoke names or shapes the pinned
SDK does not know instead of raising.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from microsoft_teams.api.activities import Activity, ActivityTypeAdapter
from pydantic import ValidationError


def typed_activity(activity: Mapping[str, Any]) -> Activity | None:
    """The SDK model for ``activity`` (e.g. ``MessageActivity``), or ``None``."""
    try:
        return ActivityTypeAdapter.validate_python(dict(activity))
    except ValidationError:
        return None
