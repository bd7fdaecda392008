"""The landing page at ``/``: what is configured and what to set next (for the operator)."""

from __future__ import annotations

from html import escape

from vpbot.settings import Settings

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vpbot</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;
line-height:1.5;color:#1d1d1f}} h1{{font-size:1.6rem}} code{{background:#f2f2f2;padding:0 .25rem}}
.ok{{color:#1a7f37}} .todo{{color:#9a6700}} li{{margin:.3rem 0}}
</style></head><body>
<h1>vpbot</h1>
<p>Een vertrouwenspersoon in Slack en Microsoft Teams. <em>A confidential adviser in Slack and
Microsoft Teams.</em></p>
<h2>Status</h2>
<ul>{status}</ul>
<h2>Next steps</h2>
<ol>{steps}</ol>
<p>Health: <a href="/healthz">/healthz</a> · Readiness: <a href="/readyz">/readyz</a></p>
</body></html>
"""


def _item(ok: bool, text: str) -> str:
    mark = '<span class="ok">&#10003;</span>' if ok else '<span class="todo">&#9675;</span>'
    return f"<li>{mark} {text}</li>"


def render_landing(settings: Settings) -> str:
    """HTML for the operator: platforms configured, key and database status, next steps."""
    slack, teams = settings.slack, settings.teams
    status = [
        _item(slack.configured, "Slack: " + _slack_mode(settings)),
        _item(teams.configured, "Microsoft Teams: " + ("configured" if teams.configured else "not configured")),
        _item(not settings.uses_dev_key, "Master key: " + (
            "configured" if not settings.uses_dev_key
            else "<strong>development key file</strong> — not for real use")),
        _item(not settings.is_sqlite, "Database: " + (
            "SQLite (fine for trying out and small single-process setups)" if settings.is_sqlite
            else "PostgreSQL")),
    ]
    return _PAGE.format(status="".join(status), steps="".join(_next_steps(settings)))


def _slack_mode(settings: Settings) -> str:
    slack = settings.slack
    if slack.oauth:
        return 'multi-workspace install — <a href="/slack/install">install in a workspace</a>'
    if slack.bot_token and slack.app_token:
        return "single workspace, Socket Mode"
    if slack.bot_token:
        return "single workspace"
    return "not configured"


def _next_steps(settings: Settings) -> list[str]:
    steps: list[str] = []
    base = escape(settings.base_url or "https://your-host.example")
    if settings.uses_dev_key:
        steps.append("<li>Run <code>vpbot keys generate</code> and set <code>VPBOT_MASTER_KEY</code>.</li>")
    if not settings.slack.configured:
        steps.append(
            f"<li>Slack: run <code>vpbot manifest slack --base-url {base}</code>, create the app "
            "from that manifest, then set <code>SLACK_SIGNING_SECRET</code> and either "
            "<code>SLACK_CLIENT_ID</code>/<code>SLACK_CLIENT_SECRET</code> or "
            "<code>SLACK_BOT_TOKEN</code>.</li>"
        )
    if not settings.teams.configured:
        steps.append(
            "<li>Teams: register an Azure bot, then set <code>VPBOT_TEAMS_APP_ID</code>, "
            "<code>VPBOT_TEAMS_APP_SECRET</code> and <code>VPBOT_TEAMS_TENANT_ID</code>.</li>"
        )
    if settings.is_sqlite:
        steps.append(
            "<li>For production, set <code>VPBOT_DATABASE_URL</code> to PostgreSQL "
            "(<code>postgresql+psycopg://user@host/db</code>).</li>"
        )
    if not steps:
        steps.append("<li>All set. Type <code>/vertrouwenspersoon</code> in Slack or Teams.</li>")
    return steps
