"""Platform-neutral interaction flows: clicks and submits to services to screens."""
