"""Screen builders: the platform-neutral screens of every journey (rendered by the plugins)."""
