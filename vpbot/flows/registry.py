"""Builds the one :class:`Flows` registry with every area's handlers."""

from __future__ import annotations

import importlib

from vpbot.flows.core import Flows
from vpbot.services.uow import UnitOfWorkFactory

# Each module has ``register(flows)``; areas are added as they are built.
AREAS = (
    "vpbot.flows.home",
    "vpbot.flows.employee_booking",
    "vpbot.flows.employee_threads",
    "vpbot.flows.employee_mine",
    "vpbot.flows.employee_referrals",
    "vpbot.flows.employee_checkins",
    "vpbot.flows.employee_language",
    "vpbot.flows.employee_data",
    "vpbot.flows.adviser",
    "vpbot.flows.admin",
)


def build_flows(uows: UnitOfWorkFactory) -> Flows:
    """A registry with the handlers of every area."""
    flows = Flows(uows)
    for name in AREAS:
        importlib.import_module(name).register(flows)
    return flows
