"""One Hearth bot process for the sharding tests: the real entry (`bot.runtime.lifecycle.run`,
as `python -m bot run` calls it) with its config file, pointed at the fake Discord server.

    python -m tests.scale.shard_process --port PORT --config hearth.toml

It stops cleanly on SIGTERM (the bot's own signal handling).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.runtime.lifecycle import run
from bot.settings.config import load_settings
from tests.e2e.fake_discord import patch_discord


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--config", type=Path, required=True)
    args = parser.parse_args(argv)
    settings = load_settings(args.config, environ={})
    logging.basicConfig(
        level=settings.logging.level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    with patch_discord(args.port):
        return asyncio.run(run(settings))


if __name__ == "__main__":
    raise SystemExit(main())
