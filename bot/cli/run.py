"""`python -m bot run`: connect to Discord and keep the community company."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from bot.cli.failures import CliError
from bot.settings.config import load_settings


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("run", help="run the bot (needs DISCORD_TOKEN)")
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="TOML config (see config.example.toml); default: config.toml when it exists",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path: Path | None = args.config
    if path is None and Path("config.toml").is_file():
        path = Path("config.toml")
    settings = load_settings(path)
    if not getattr(args, "verbose", False):  # -v wins over the configured level
        logging.getLogger().setLevel(settings.logging.level)
    if not settings.discord.token:
        raise CliError("no Discord token: set DISCORD_TOKEN or discord.token in the config (see README)")
    from bot.runtime.lifecycle import run as run_bot

    return asyncio.run(run_bot(settings))
