"""Parses the `hwe` command line and runs one command."""

from __future__ import annotations

import argparse
import sys

from hwe import config, errors
from hwe import logging as hwe_logging
from hwe.cli import migrate_command, up_command


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `hwe` console script."""
    parser = argparse.ArgumentParser(prog="hwe", description="Highway Engine command line")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply database migrations (and, in development, create the dev key)")
    commands.add_parser("up", help="run the development stack: PostgreSQL, migrations, API and workers")
    args = parser.parse_args(argv)
    try:
        settings = config.load_settings()
        hwe_logging.configure(settings.log_level, f"hwe {args.command}")
        if args.command == "migrate":
            migrate_command.run(settings)
        else:
            up_command.run(settings)
    except errors.ConfigError as err:
        print(f"hwe {args.command}: {err}", file=sys.stderr)
        raise SystemExit(2) from err


if __name__ == "__main__":
    main()
