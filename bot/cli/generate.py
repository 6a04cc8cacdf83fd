"""`python -m bot generate`: write a deterministic sample community (exports + community.json)."""

from __future__ import annotations

import argparse

from bot.sample.generator import main_generate


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "generate",
        help="write a sample community as DiscordChatExporter JSON (see `generate --help`)",
        add_help=False,
    )
    parser.set_defaults(func=lambda _args: main_generate(["--help"]))


def run(argv: list[str]) -> int:
    """The generator has its own options; `python -m bot generate ...` hands them over whole."""
    return main_generate(argv)
