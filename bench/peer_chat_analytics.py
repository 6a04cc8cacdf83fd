"""chat-analytics, the open-source analyzer people already run on DiscordChatExporter exports,
as the peer of `analyze` on the same export (`make bench`).

It is installed with npm into the bench's cache folder (`$HEARTH_BENCH_CACHE/chat-analytics`)
the first time, then run directly with node (so its own rusage gives its peak memory):

    chat-analytics -p discord -i "<folder>/*.json" -o report.html

It cannot parse an export whose message list is empty, so those files (no messages, nothing
lost) are left out of its input: the rest are linked into a folder of their own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from bench.common import ChildRun, cache_dir, run_child

VERSION = "1.1.2"


class PeerMissing(Exception):
    """chat-analytics cannot be installed or run here (the message says why)."""


def install() -> Path:
    """The chat-analytics command, installed into the cache folder if it is not there yet."""
    prefix = cache_dir() / f"chat-analytics-{VERSION}"
    command = prefix / "node_modules" / ".bin" / "chat-analytics"
    if command.exists():
        return command
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise PeerMissing("npm and node are not installed: install Node.js (e.g. apt-get install nodejs npm)")
    prefix.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", f"chat-analytics@{VERSION}"],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise PeerMissing(f"npm install chat-analytics@{VERSION} did not finish in 5 minutes") from exc
    if done.returncode != 0 or not command.exists():  # offline, most often
        raise PeerMissing(f"npm install chat-analytics@{VERSION} failed: {done.stderr.strip()[-300:]}")
    return command


def inputs(files: list[Path], folder: Path) -> Path:
    """A folder of links to the exports that hold messages (built once per input set)."""
    if folder.is_dir() and any(folder.iterdir()):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        with path.open("rb") as handle:
            if json.load(handle).get("messages"):
                os.symlink(path, folder / path.name)
    return folder


def run_once(command: Path, input_folder: Path, workdir: Path) -> ChildRun:
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / "chat-analytics.html"
    out.unlink(missing_ok=True)
    return run_child([str(command), "-p", "discord", "-i", f"{input_folder}/*.json", "-o", str(out)])
