"""Typed, translatable domain errors.

Every rule violation in vpbot is raised as a :class:`DomainError` carrying a *message key*
(for example ``"booking.slot_taken"``) and the parameters needed to render it. The UI layer
looks the key up in its Dutch/English catalogues; the error itself never carries a
human-readable sentence, so no free text (and thus no confidential content) travels through
exceptions into logs (rule C6).

Keys in use (extend as needed, and add the translations in ``vpbot/ui``):

- ``booking.slot_in_past``, ``booking.too_soon``, ``booking.beyond_horizon``,
  ``booking.outside_availability``, ``booking.slot_taken``
- ``note.too_long``
- ``adviser.unknown``
- ``auth.forbidden``
- ``not_found``
"""

from __future__ import annotations


class DomainError(Exception):
    """A broken domain rule, identified by a message key.

    ``key`` is positional-only so that a parameter may itself be called ``key``.
    Parameters should be plain values (ints, strings, dates) that a translation can
    interpolate; never put user-typed text in them.
    """

    key: str
    params: dict[str, object]

    def __init__(self, key: str, /, **params: object) -> None:
        if not key:
            raise ValueError("a DomainError needs a message key")
        # Only the key goes to Exception.args: str(error) and tracebacks then show the key,
        # not parameter values that might identify someone.
        super().__init__(key)
        self.key = key
        self.params = dict(params)

    def __repr__(self) -> str:
        # Parameter names only: values may be personal data and reprs end up in logs.
        return f"{type(self).__name__}({self.key!r}, params={sorted(self.params)!r})"

    def __reduce__(self) -> tuple[object, ...]:
        # The default pickling replays only ``args`` and would lose ``params``.
        return (_rebuild, (type(self), self.key, self.params))


def _rebuild(cls: type[DomainError], key: str, params: dict[str, object]) -> DomainError:
    return cls(key, **params)


class NotFound(DomainError):
    """The requested object does not exist *or* the actor may not know that it exists."""

    def __init__(self, key: str = "not_found", /, **params: object) -> None:
        super().__init__(key, **params)


class Forbidden(DomainError):
    """The actor's role does not allow this action (rule C5)."""

    def __init__(self, key: str = "auth.forbidden", /, **params: object) -> None:
        super().__init__(key, **params)
