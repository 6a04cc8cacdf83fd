"""`python -m bot`: run the bot, analyze exports, replay the demo, write a digest, generate samples."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.cli import analyze, demo, digest, generate, report, run
from bot.cli.common import CliError
from bot.runtime.log_privacy import keep_bodies_out_of_logs
from bot.settings.config import ConfigError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Hearth: a community-engagement bot for Discord.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    analyze.add_parser(sub)
    run.add_parser(sub)
    demo.add_parser(sub)
    digest.add_parser(sub)
    generate.add_parser(sub)
    report.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["generate"]:
        return generate.run(arguments[1:])
    parser = build_parser()
    args = parser.parse_args(arguments)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    keep_bodies_out_of_logs()
    try:
        return int(args.func(args))
    except (CliError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; what was committed is kept and a re-run continues from it", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
