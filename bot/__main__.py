"""`python -m bot`: run the bot, analyze exports, replay the demo, write a digest, generate samples."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.cli import analyze, demo, digest, generate, report, run
from bot.cli.common import printed_notes
from bot.cli.failures import EXIT_BAD_INPUT, EXIT_INTERRUPTED, CliError, exit_statuses_text
from bot.runtime.log_privacy import keep_bodies_out_of_logs
from bot.settings.config import ConfigError

VERBOSE_HELP = "log more (also accepted after the command)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Hearth: a community-engagement bot for Discord.",
        epilog=exit_statuses_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    analyze.add_parser(sub)
    run.add_parser(sub)
    demo.add_parser(sub)
    digest.add_parser(sub)
    generate.add_parser(sub)
    report.add_parser(sub)
    for command in sub.choices.values():
        # SUPPRESS: a command's own -v is only set when given, so it never undoes one given before it
        command.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(arguments)
    level = logging.DEBUG if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)  # also when logging was set up before (basicConfig does nothing then)
    keep_bodies_out_of_logs()
    noted = printed_notes.set(set())
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted; what was committed is kept and a re-run continues from it", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        printed_notes.reset(noted)


if __name__ == "__main__":
    sys.exit(main())
