"""`python -m bot generate`: write a deterministic sample community (exports + community.json)."""

from __future__ import annotations

import argparse

from bot.sample.generator import build_parser, generate_from_args


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # the generator's own options, so `-v` and every other global option work around them
    parser = sub.add_parser(
        "generate",
        help="write a sample community as DiscordChatExporter JSON (see `generate --help`)",
        description=build_parser().description,
        parents=[build_parser()],
        conflict_handler="resolve",  # the generator's parser brings its own -h/--help
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return generate_from_args(args)
