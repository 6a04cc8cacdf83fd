"""Sample communities: a seeded generator of DiscordChatExporter exports and a committed sample."""

from __future__ import annotations

from pathlib import Path

from bot.sample.generator import GeneratorConfig, generate, main_generate, write_community

SAMPLE_DIR = Path(__file__).parent / "data"
SAMPLE_CONFIG = GeneratorConfig(seed=2025, members=80, weeks=5, messages_per_week=850)


def sample_exports() -> list[Path]:
    """The committed sample's export files (one per channel, thread and forum post)."""
    return sorted((SAMPLE_DIR / "exports").glob("*.json"))


def sample_community_file() -> Path:
    """The committed sample's sidecar: members, interests, opt-ins and guild settings."""
    return SAMPLE_DIR / "community.json"


__all__ = [
    "SAMPLE_CONFIG",
    "SAMPLE_DIR",
    "GeneratorConfig",
    "generate",
    "main_generate",
    "sample_community_file",
    "sample_exports",
    "write_community",
]
