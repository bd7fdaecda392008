"""The ``vpbot`` command line: serve, worker, migrate, keys.

Every operator error (bad configuration, malformed key, unreachable database) is one clear
line on stderr and a non-zero exit code — never a traceback. Configuration errors exit 2.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from vpbot.bootstrap import Container, bootstrap
from vpbot.crypto.errors import KeyringError
from vpbot.crypto.keyring import generate_entry
from vpbot.logs import configure_logging
from vpbot.settings import ConfigError, Settings
from vpbot.storage import migrate

if TYPE_CHECKING:
    from vpbot.dispatch.ticker import Ticker

log = logging.getLogger("vpbot")

EXIT_CONFIG = 2
EXIT_UNAVAILABLE = 1
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class OperatorError(Exception):
    """A problem the operator must fix; printed as one line, exit code ``code``."""

    def __init__(self, message: str, code: int = EXIT_UNAVAILABLE) -> None:
        super().__init__(message)
        self.code = code


def _container(settings: Settings) -> Container:
    try:
        return bootstrap(settings)
    except ValueError as exc:  # KeyringError and friends: malformed key material
        raise OperatorError(str(exc), EXIT_CONFIG) from None


def _migrate(container: Container) -> None:
    url = container.engine.url.render_as_string(hide_password=True)
    try:
        migrate.upgrade(container.engine)
    except SQLAlchemyError as exc:
        raise OperatorError(
            f"cannot migrate the database at {url}: {type(exc).__name__}: "
            f"{str(exc.orig if hasattr(exc, 'orig') else exc).splitlines()[0]}"
        ) from None


def settle_heap() -> None:
    """Take what start-up built (modules, apps, caches) out of the garbage collector's walks.

    A full collection walks every tracked object while holding the GIL: with the app loaded
    that is ~180,000 objects and ~100 ms here, every few seconds under load, and every request
    in flight waits for it (benchmarks/RESULTS.md). Frozen objects are never walked again;
    what requests allocate afterwards is collected as before.
    """
    gc.collect()
    gc.freeze()


# --------------------------------------------------------------------------- commands


def _graceful_server_class() -> type:
    import uvicorn

    class GracefulServer(uvicorn.Server):
        """uvicorn's server, but a handled SIGINT/SIGTERM ends in exit code 0.

        uvicorn re-raises the captured signal after its graceful shutdown, so the process
        would die of SIGTERM (or raise KeyboardInterrupt) although it shut down cleanly.
        """

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in _STOP_SIGNALS}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return GracefulServer



def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run the web server and, unless ``--no-worker``, an embedded dispatcher."""
    import uvicorn

    from vpbot.web.app import create_app

    from plugins.slack.plugin import SlackSetupError
    from vpbot.bootstrap import platform_routes, slack_plugin

    if args.socket_mode and not settings.slack.app_token:
        raise OperatorError(
            "--socket-mode needs SLACK_APP_TOKEN (an app-level token, xapp-…) and SLACK_BOT_TOKEN",
            EXIT_CONFIG,
        )
    container = _container(settings)
    _migrate(container)
    try:
        app = create_app(container, platform_routes(container))
        socket = None
        if args.socket_mode:
            plugin = slack_plugin(container)
            assert plugin is not None and settings.slack.app_token
            socket = plugin.start_socket_mode(settings.slack.app_token)
    except SlackSetupError as exc:
        raise OperatorError(str(exc), EXIT_CONFIG) from None
    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    log.info("vpbot listening on http://%s:%s", host, port)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,  # keep our logging setup (and its redaction filter)
        access_log=False,  # access logs would carry query strings such as OAuth codes
        lifespan="on",
        server_header=False,
    )
    ticker = None if args.no_worker else _start_ticker(container)
    settle_heap()
    try:
        _graceful_server_class()(config).run()
    finally:
        if ticker is not None:
            ticker.stop()
        if socket is not None:
            socket.close()
    container.engine.dispose()
    log.info("vpbot stopped")
    return 0


def _start_ticker(container: Container, interval: float | None = None) -> Ticker:
    from vpbot.bootstrap import build_dispatcher
    from vpbot.dispatch.ticker import DEFAULT_INTERVAL_SECONDS, Ticker

    from vpbot.dispatch.jobs import run_retention

    ticker = Ticker(
        build_dispatcher(container),
        interval or DEFAULT_INTERVAL_SECONDS,
        housekeeping=lambda: run_retention(container.engine, container.uows),
    )
    ticker.start()
    return ticker


def cmd_purge(_args: argparse.Namespace, settings: Settings) -> int:
    """Run the retention job now: warn advisers, crypto-shred closed cases that are due."""
    from vpbot.dispatch.jobs import run_retention

    container = _container(settings)
    _migrate(container)
    report = run_retention(container.engine, container.uows)
    if report is None:
        print("another vpbot process is running the retention job right now; nothing done")
        return 0
    print(
        f"retention: {report.purged} case(s) purged, {report.warned} adviser warning(s) queued, "
        f"{report.held} case(s) kept under legal hold"
    )
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Run the dispatcher alone until SIGTERM or SIGINT (then exit 0)."""
    container = _container(settings)
    _migrate(container)
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in _STOP_SIGNALS}
    ticker = _start_ticker(container, args.interval)
    settle_heap()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        ticker.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        container.engine.dispose()
    log.info("vpbot worker stopped")
    return 0


def cmd_migrate(_args: argparse.Namespace, settings: Settings) -> int:
    """Upgrade the database to the latest schema."""
    container = _container(settings)
    _migrate(container)
    print(f"database is at revision {migrate.current_revision(container.engine)}")
    return 0


def cmd_keys_generate(args: argparse.Namespace, _settings: Settings) -> int:
    """Print a new master key entry for VPBOT_MASTER_KEY."""
    print(generate_entry(args.kid))
    return 0


def cmd_keys_rotate(_args: argparse.Namespace, settings: Settings) -> int:
    """Re-wrap every tenant key with the first (primary) master key."""
    from vpbot.crypto.keys import rotate_master_batch
    from vpbot.dispatch.jobs import KEY_REWRAP_JOB
    from vpbot.dispatch.locks import singleton

    container = _container(settings)
    _migrate(container)
    count = 0
    with singleton(container.engine, KEY_REWRAP_JOB) as acquired:
        if not acquired:
            raise OperatorError("another vpbot process is re-wrapping keys right now; try again later")
        while True:  # one short transaction per batch: the app keeps serving meanwhile
            try:
                with container.sessions.begin() as session:
                    done = rotate_master_batch(session, container.key_wrapper)
            except KeyringError as exc:
                raise OperatorError(str(exc), EXIT_CONFIG) from None
            if done == 0:
                break
            count += done
    print(
        f"re-wrapped {count} tenant key(s) with master key {container.keyring.primary_kid}; "
        "content was not re-encrypted. Older master keys can now be removed from VPBOT_MASTER_KEY."
    )
    return 0


def cmd_audit_verify(_args: argparse.Namespace, settings: Settings) -> int:
    """Walk the hash chain of the audit log; exit 1 and list the breaks if any."""
    from vpbot.services import audit

    container = _container(settings)
    with container.sessions() as session:
        checked, problems = audit.verify(session)
    if not problems:
        print(f"audit log intact: {checked} event(s) verified")
        return 0
    for problem in problems:
        what = "was changed" if problem.problem == "changed" else "follows a deleted or altered event"
        print(f"audit event {problem.seq} {what}")
    print(f"audit log BROKEN: {len(problems)} problem(s) in {checked} event(s)")
    return 1


def cmd_manifest(args: argparse.Namespace, _settings: Settings) -> int:
    """Print the platform app manifest."""
    import json

    from plugins.slack.manifest import slack_manifest

    try:
        manifest = slack_manifest(args.base_url, socket_mode=args.socket_mode)
    except ValueError as exc:
        raise OperatorError(str(exc), EXIT_CONFIG) from None
    print(json.dumps(manifest, indent=2, ensure_ascii=False))
    return 0


def cmd_manifest_teams(args: argparse.Namespace, settings: Settings) -> int:
    """Write the Teams app package (manifest and icons in a zip) for the Teams admin center."""
    from pathlib import Path

    from plugins.teams.manifest import teams_package

    try:
        package = teams_package(args.base_url or settings.base_url, args.app_id or settings.teams.app_id or "")
    except ValueError as exc:
        raise OperatorError(str(exc), EXIT_CONFIG) from None
    Path(args.output).write_bytes(package)
    print(f"wrote {args.output}: upload it in the Teams admin center (Manage apps, Upload new app)")
    return 0


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    """Write a tenant's anonymised annual report (jaarverslag); see :mod:`vpbot.cli_report`."""
    from vpbot.cli_report import ReportError, run_report

    try:
        written = run_report(_container(settings).uows, args, sys.stdout)
    except ReportError as exc:
        raise OperatorError(str(exc)) from None
    if written:
        print(f"wrote {written}: anonymous counts only", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="vpbot", description="vpbot: a confidential adviser in Slack and Teams")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web server")
    serve.add_argument("--host", help="address to bind (default VPBOT_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to bind (default VPBOT_PORT or 3000)")
    serve.add_argument("--no-worker", action="store_true", help="do not run the embedded dispatcher")
    serve.add_argument(
        "--socket-mode", action="store_true", help="receive Slack requests over Socket Mode (SLACK_APP_TOKEN)"
    )
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run the outbox dispatcher alone")
    worker.add_argument("--interval", type=float, help="seconds between ticks (default 2)")
    worker.set_defaults(func=cmd_worker)

    mig = sub.add_parser("migrate", help="upgrade the database schema")
    mig.set_defaults(func=cmd_migrate)

    keys = sub.add_parser("keys", help="master key management")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    gen = keys_sub.add_parser("generate", help="print a new master key entry")
    gen.add_argument("--kid", help="key id (default: derived from today's date)")
    gen.set_defaults(func=cmd_keys_generate)
    rot = keys_sub.add_parser("rotate", help="re-wrap tenant keys with the primary master key")
    rot.set_defaults(func=cmd_keys_rotate)

    manifest = sub.add_parser("manifest", help="print a platform app manifest")
    manifest_sub = manifest.add_subparsers(dest="platform", required=True)
    slack = manifest_sub.add_parser("slack", help="Slack app manifest (JSON)")
    slack.add_argument("--base-url", help="public https URL of vpbot (VPBOT_BASE_URL)")
    slack.add_argument("--socket-mode", action="store_true", help="for Socket Mode: no public URL")
    slack.set_defaults(func=cmd_manifest)
    teams = manifest_sub.add_parser("teams", help="Teams app package (zip with manifest and icons)")
    teams.add_argument("--base-url", help="public https URL of vpbot (VPBOT_BASE_URL)")
    teams.add_argument("--app-id", help="the bot's Microsoft App ID (VPBOT_TEAMS_APP_ID)")
    teams.add_argument("-o", "--output", default="vpbot-teams.zip", help="where to write the zip (vpbot-teams.zip)")
    teams.set_defaults(func=cmd_manifest_teams)

    purge = sub.add_parser("purge", help="run the retention job now (crypto-shred closed cases that are due)")
    purge.set_defaults(func=cmd_purge)

    audit_parser = sub.add_parser("audit", help="audit log tools")
    audit_sub = audit_parser.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="check the audit log's hash chain")
    verify.set_defaults(func=cmd_audit_verify)

    from vpbot.cli_report import add_report_parser

    add_report_parser(sub).set_defaults(func=cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``vpbot`` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"vpbot: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level, settings.sdk_log_level)
    func: Callable[[argparse.Namespace, Settings], int] = args.func
    try:
        return func(args, settings)
    except OperatorError as exc:
        print(f"vpbot: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
