"""Platform-neutral user interface: texts, screens and notifications.

- :mod:`vpbot.ui.i18n` — Dutch/English message catalogues (``.po`` files, keys as msgids)
  and date formatting with Babel.
- :mod:`vpbot.ui.text` — :class:`~vpbot.ui.text.Msg` (a catalogue key plus parameters) and
  the explicit data wrappers :class:`~vpbot.ui.text.Dynamic` and :class:`~vpbot.ui.text.When`.
- :mod:`vpbot.ui.screens` — modal / dialog model that the Slack and Teams plugins render.
- :mod:`vpbot.ui.notifications` — typed, content-free chat notifications (DESIGN C1).
- :mod:`vpbot.ui.actions`, :mod:`vpbot.ui.options`, :mod:`vpbot.ui.errors` — action ids,
  option lists and error texts shared by both plugins.

This package imports no platform or storage framework (no slack, msal, sqlalchemy,
starlette), so the core and both plugins can depend on it freely.
"""
