"""Parses the `hwe` command line and runs one command.

Server-side commands (`migrate`, `up`, `backup`, `grant`, `bootstrap-key`) work on the database; every other
command is a client of the REST API and never touches the database.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from hwe import config, errors
from hwe import logging as hwe_logging
from hwe.cli import (
    _api,
    approvals_command,
    artifacts_command,
    audit_command,
    backup_command,
    bootstrap_key_command,
    cancel_command,
    definitions_command,
    diagnose_command,
    dsl_prompt_command,
    emit_command,
    grant_command,
    keys_command,
    list_command,
    login_command,
    migrate_command,
    monitor_command,
    replay_command,
    retry_command,
    schedules_command,
    status_command,
    submit_command,
    templates_command,
    tenants_command,
    up_command,
    webhooks_command,
)

# The API clients: each module adds its parser and runs with (settings, args) → exit status.
_CLIENT_COMMANDS = {
    "submit": submit_command,
    "status": status_command,
    "watch": status_command,  # status_command adds both `status` and `watch`
    "login": login_command,
    "list": list_command,
    "tenants": tenants_command,
    "keys": keys_command,
    "cancel": cancel_command,
    "retry": retry_command,
    "emit": emit_command,
    "replay": replay_command,
    "audit": audit_command,
    "monitor": monitor_command,
    "dsl-prompt": dsl_prompt_command,
    "diagnose": diagnose_command,
    "templates": templates_command,
    "definitions": definitions_command,
    "schedules": schedules_command,
    "approvals": approvals_command,
    "artifacts": artifacts_command,
    "webhooks": webhooks_command,
}

# Server-side commands with options of their own: each adds its parser and runs with (settings, args) → exit status.
_DATABASE_COMMANDS = {
    "backup": backup_command,
    "bootstrap-key": bootstrap_key_command,
    "grant": grant_command,
}


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `hwe` console script."""
    parser = argparse.ArgumentParser(prog="hwe", description="Highway Engine command line")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply database migrations (and, in development, create the dev key)")
    commands.add_parser("up", help="run the development stack: PostgreSQL, migrations, API and workers")
    for module in dict.fromkeys((*_DATABASE_COMMANDS.values(), *_CLIENT_COMMANDS.values())):
        module.add_parser(commands)
    args = parser.parse_args(argv)
    try:
        settings = config.load_settings()
        if args.command in _CLIENT_COMMANDS:
            hwe_logging.configure("WARNING", f"hwe {args.command}")
            raise SystemExit(_CLIENT_COMMANDS[args.command].run(settings, args))
        hwe_logging.configure(settings.log_level, f"hwe {args.command}")
        if args.command in _DATABASE_COMMANDS:
            raise SystemExit(_DATABASE_COMMANDS[args.command].run(settings, args))
        server_commands: dict[str, Callable[[config.Settings], None]] = {
            "migrate": migrate_command.run,
            "up": up_command.run,
        }
        server_commands[args.command](settings)
    except errors.ConfigError as err:
        _api.note(f"hwe {args.command}: {err}")
        raise SystemExit(2) from err
    except KeyboardInterrupt:
        # Ctrl-C ends the command, not what it started on the server: no traceback, the shell's usual status.
        _api.note(f"hwe {args.command}: interrupted")
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
